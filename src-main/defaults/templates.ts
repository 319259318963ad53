/**
 * Question templates for the default dataset. A template picks values from the
 * rows it is given so that its gold SQL is guaranteed to return rows (or, for
 * data manipulation, to change some rows and leave some behind), and words the
 * question in one of several paraphrases.
 */
import type { DomainSpec } from './domains';

export const COMPLEXITIES = [
  'basic SQL',
  'aggregation',
  'single join',
  'multiple joins',
  'subqueries',
  'window functions',
  'set operations',
  'CTEs',
] as const;
export type Complexity = (typeof COMPLEXITIES)[number];

export const TASK_TYPES = ['analytics and reporting', 'data retrieval', 'data manipulation', 'data definition'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export interface GroupRow {
  id: number;
  label: string;
  cat: string;
}
export interface EntityRow extends GroupRow {
  num: number;
  gid: number;
}
export interface EventRow {
  id: number;
  eid: number;
  num: number;
  date: string;
}

export interface TemplateContext {
  d: DomainSpec;
  random: () => number;
  g: GroupRow[];
  e: EntityRow[];
  f: EventRow[];
}

export interface Built {
  prompt: string;
  sql: string;
  explanation: string;
  /** Tables the context must declare: g, e, f (in that order). */
  tables: ('g' | 'e' | 'f')[];
}

export interface Template {
  name: string;
  complexity: Complexity;
  task: TaskType;
  /** Relative chance within its complexity class; DML/DDL are kept a small share. */
  weight: number;
  /** null when these rows cannot support the template; the caller draws new rows. */
  build(c: TemplateContext): Built | null;
}

// ---------- helpers ----------

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}
export const str = (s: string): string => `'${s.replace(/'/g, "''")}'`;
/** Column phrase for a label column: product_name -> name, plate_number -> plate number. */
const lp = (label: string): string => (label.endsWith('_name') ? 'name' : label.replace(/_/g, ' '));
/** 'a' or 'an' before a word ("an appointment"). */
const art = (w: string): string => `${/^[aeiou]/i.test(w) ? 'an' : 'a'} ${w}`;
const plural = (w: string): string => (/(s|x|ch|sh)$/.test(w) ? `${w}es` : `${w}s`);
const fmt = (n: number, int: boolean): string => (int ? String(n) : n.toFixed(2));
/** A round number strictly below v, so "more than T" always keeps the row with v. */
function niceBelow(v: number): number {
  if (v >= 200) return Math.floor((v - 0.001) / 100) * 100;
  if (v >= 20) return Math.floor((v - 0.001) / 10) * 10;
  return Math.floor(v - 0.001);
}
const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
const sortedNums = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
function addDays(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}
function humanDate(random: () => number, date: string): string {
  if (random() < 0.6) return date;
  const [y, m, d] = date.split('-').map(Number);
  const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  return `${months[m - 1]} ${d}, ${y}`;
}
/** Values in questions appear quoted or bare, as people write them. */
const q = (random: () => number, s: string): string => (random() < 0.5 ? `'${s}'` : s);
const list = (random: () => number): string => pick(random, ['List', 'Show', 'Display', 'Find', 'Return', 'Get']);

// Aliases that would read as SQL keywords (overtime_records -> or).
const RESERVED = new Set(['as', 'at', 'by', 'do', 'if', 'in', 'is', 'no', 'of', 'on', 'or', 'to', 'all', 'and', 'asc', 'end', 'key', 'not', 'set']);

/** Short, distinct aliases for the tables of one query (stores s, products p, sales sa). */
function aliases(d: DomainSpec): { g: string; e: string; f: string } {
  const out: string[] = [];
  for (const t of [d.g.table, d.e.table, d.f.table]) {
    const initials = t.split('_').map((w) => w[0]).join('');
    let a = initials;
    for (let n = 2; (out.includes(a) || RESERVED.has(a)) && n <= t.length; n++) a = t.slice(0, n);
    out.push(a);
  }
  return { g: out[0], e: out[1], f: out[2] };
}

function entitiesWithEvents(c: TemplateContext): EntityRow[] {
  const used = new Set(c.f.map((x) => x.eid));
  return c.e.filter((x) => used.has(x.id));
}

// ---------- templates ----------

type Spec = Omit<Template, 'weight'> & { weight?: number };
const T = (s: Spec): Template => ({ weight: s.task === 'data manipulation' ? 0.6 : s.task === 'data definition' ? 0.45 : 1, ...s });

export const TEMPLATES: Template[] = [
  // ----- basic SQL -----
  T({
    name: 'filter-category', complexity: 'basic SQL', task: 'data retrieval',
    build({ d: { e }, random, e: rows }) {
      const x = pick(random, rows).cat;
      const v = q(random, x);
      const prompt = pick(random, [
        `${list(random)} the ${lp(e.label)} of all ${e.many} whose ${e.catPhrase} is ${v}.`,
        `Which ${e.many} have ${e.catPhrase} ${v}?`,
        `What are the ${plural(lp(e.label))} of ${e.many} with ${art(e.catPhrase)} of ${v}?`,
        `${list(random)} every ${e.one} in the ${v} ${e.catPhrase}.`,
      ]);
      return { prompt, sql: `SELECT ${e.label} FROM ${e.table} WHERE ${e.cat} = ${str(x)};`, explanation: `This query selects the ${lp(e.label)} of rows in ${e.table} whose ${e.cat} equals ${str(x)}.`, tables: ['e'] };
    },
  }),
  T({
    name: 'filter-number', complexity: 'basic SQL', task: 'data retrieval',
    build({ d: { e }, random, e: rows }) {
      const t = niceBelow(pick(random, rows).num);
      const prompt = pick(random, [
        `${list(random)} the ${lp(e.label)} and ${e.numPhrase} of ${e.many} with ${art(e.numPhrase)} above ${t}.`,
        `Which ${e.many} have ${art(e.numPhrase)} greater than ${t}? Include the ${e.numPhrase}.`,
        `Find ${e.many} whose ${e.numPhrase} exceeds ${t}, with their ${lp(e.label)} and ${e.numPhrase}.`,
      ]);
      return { prompt, sql: `SELECT ${e.label}, ${e.num} FROM ${e.table} WHERE ${e.num} > ${t};`, explanation: `This query returns the ${e.label} and ${e.num} of ${e.table} rows whose ${e.num} is greater than ${t}.`, tables: ['e'] };
    },
  }),
  T({
    name: 'top-k', complexity: 'basic SQL', task: 'analytics and reporting',
    build({ d: { e }, random }) {
      const k = 2 + Math.floor(random() * 2);
      const high = random() < 0.7;
      const word = high ? pick(random, ['highest', 'largest', 'greatest']) : pick(random, ['lowest', 'smallest']);
      const prompt = pick(random, [
        `What are the top ${k} ${e.many} by ${e.numPhrase}${high ? '' : ', counting from the lowest'}?`,
        `${list(random)} the ${k} ${e.many} with the ${word} ${e.numPhrase}.`,
        `Which ${k} ${e.many} have the ${word} ${e.numPhrase}? Show their ${lp(e.label)} and ${e.numPhrase}.`,
      ]);
      return { prompt, sql: `SELECT ${e.label}, ${e.num} FROM ${e.table} ORDER BY ${e.num} ${high ? 'DESC' : 'ASC'} LIMIT ${k};`, explanation: `This query sorts ${e.table} by ${e.num} in ${high ? 'descending' : 'ascending'} order and keeps the first ${k} rows.`, tables: ['e'] };
    },
  }),
  T({
    name: 'after-date', complexity: 'basic SQL', task: 'data retrieval',
    build({ d: { f }, random, f: rows }) {
      const dates = rows.map((r) => r.date).sort();
      const day = dates[Math.floor(random() * (dates.length - 1))];
      const h = humanDate(random, day);
      const prompt = pick(random, [
        `${list(random)} all ${f.many} with ${art(f.datePhrase)} after ${h}.`,
        `Which ${f.many} took place after ${h}?`,
        `Show every ${f.one} recorded later than ${h}.`,
      ]);
      return { prompt, sql: `SELECT * FROM ${f.table} WHERE ${f.date} > ${str(day)};`, explanation: `This query returns every row of ${f.table} whose ${f.date} is later than ${day}.`, tables: ['f'] };
    },
  }),
  T({
    name: 'between-dates', complexity: 'basic SQL', task: 'data retrieval',
    build({ d: { f }, random, f: rows }) {
      const mid = pick(random, rows).date;
      const from = addDays(mid, -Math.floor(random() * 60));
      const to = addDays(mid, Math.floor(random() * 60));
      const prompt = pick(random, [
        `${list(random)} the ID, ${f.numPhrase} and ${f.datePhrase} of ${f.many} between ${humanDate(random, from)} and ${humanDate(random, to)}, oldest first.`,
        `Which ${f.many} happened from ${from} to ${to}? Give ID, ${f.numPhrase} and date in date order.`,
      ]);
      return { prompt, sql: `SELECT ${f.id}, ${f.num}, ${f.date} FROM ${f.table} WHERE ${f.date} BETWEEN ${str(from)} AND ${str(to)} ORDER BY ${f.date};`, explanation: `This query keeps the ${f.table} rows whose ${f.date} falls between ${from} and ${to} inclusive and orders them by date.`, tables: ['f'] };
    },
  }),
  T({
    name: 'distinct-category', complexity: 'basic SQL', task: 'data retrieval',
    build({ d: { e }, random }) {
      const prompt = pick(random, [
        `What are the different ${e.catPhrase} values among ${e.many}?`,
        `${list(random)} each ${e.catPhrase} that appears in the ${e.table} table once.`,
        `${list(random)} the unique ${e.catPhrase} values of all ${e.many}.`,
      ]);
      return { prompt, sql: `SELECT DISTINCT ${e.cat} FROM ${e.table};`, explanation: `This query lists each distinct ${e.cat} in ${e.table} once.`, tables: ['e'] };
    },
  }),
  T({
    name: 'name-prefix', complexity: 'basic SQL', task: 'data retrieval',
    build({ d: { e }, random, e: rows }) {
      const p = pick(random, rows).label[0];
      const prompt = pick(random, [
        `Find ${e.many} whose ${lp(e.label)} starts with '${p}'.`,
        `${list(random)} every ${e.one} with a ${lp(e.label)} beginning with the letter ${p}.`,
      ]);
      return { prompt, sql: `SELECT ${e.label} FROM ${e.table} WHERE ${e.label} LIKE ${str(`${p}%`)};`, explanation: `This query uses LIKE with a trailing wildcard to find ${e.table} rows whose ${e.label} begins with ${p}.`, tables: ['e'] };
    },
  }),
  T({
    name: 'group-filter', complexity: 'basic SQL', task: 'data retrieval',
    build({ d: { g }, random, g: rows }) {
      const y = pick(random, rows).cat;
      const v = q(random, y);
      const prompt = pick(random, [
        `${list(random)} the ${lp(g.label)} of ${g.many} located in ${v}.`,
        `Which ${g.many} have ${g.catPhrase} ${v}?`,
        `Name the ${g.many} whose ${g.catPhrase} is ${v}.`,
      ]);
      return { prompt, sql: `SELECT ${g.label} FROM ${g.table} WHERE ${g.cat} = ${str(y)};`, explanation: `This query filters ${g.table} on ${g.cat} = ${str(y)} and returns the ${g.label}.`, tables: ['g'] };
    },
  }),
  T({
    name: 'sorted-listing', complexity: 'basic SQL', task: 'analytics and reporting',
    build({ d: { e }, random }) {
      const prompt = pick(random, [
        `${list(random)} all ${e.many} sorted by ${e.catPhrase}, and within each ${e.catPhrase} by ${e.numPhrase} from highest to lowest.`,
        `Produce a list of ${e.many} with ${lp(e.label)}, ${e.catPhrase} and ${e.numPhrase}, ordered by ${e.catPhrase} then by descending ${e.numPhrase}.`,
      ]);
      return { prompt, sql: `SELECT ${e.label}, ${e.cat}, ${e.num} FROM ${e.table} ORDER BY ${e.cat}, ${e.num} DESC;`, explanation: `This query lists ${e.table} ordered by ${e.cat} and then by ${e.num} descending.`, tables: ['e'] };
    },
  }),
  T({
    name: 'update-number', complexity: 'basic SQL', task: 'data manipulation',
    build({ d: { e }, random, e: rows }) {
      const r = pick(random, rows);
      const delta = e.int ? 1 + Math.floor(random() * 9) : Math.round(random() * 900 + 100) / 100;
      const dv = fmt(delta, e.int);
      const prompt = pick(random, [
        `Increase the ${e.numPhrase} of the ${e.one} ${q(random, r.label)} by ${dv}.`,
        `Add ${dv} to the ${e.numPhrase} of ${e.one} ${q(random, r.label)}.`,
        `Raise ${r.label}'s ${e.numPhrase} by ${dv}.`,
      ]);
      return { prompt, sql: `UPDATE ${e.table} SET ${e.num} = ${e.num} + ${dv} WHERE ${e.label} = ${str(r.label)};`, explanation: `This statement adds ${dv} to ${e.num} for the ${e.table} row whose ${e.label} is ${str(r.label)}.`, tables: ['e'] };
    },
  }),
  T({
    name: 'update-category', complexity: 'basic SQL', task: 'data manipulation',
    build({ d: { e }, random, e: rows }) {
      const r = pick(random, rows);
      const z = pick(random, e.cats.filter((c) => c !== r.cat));
      const prompt = pick(random, [
        `Change the ${e.catPhrase} of ${e.one} ${q(random, r.label)} to ${q(random, z)}.`,
        `Set ${q(random, r.label)}'s ${e.catPhrase} to ${z}.`,
        `Update the ${e.table} table so that ${r.label} has ${e.catPhrase} ${z}.`,
      ]);
      return { prompt, sql: `UPDATE ${e.table} SET ${e.cat} = ${str(z)} WHERE ${e.label} = ${str(r.label)};`, explanation: `This statement sets ${e.cat} to ${str(z)} for the ${e.table} row whose ${e.label} is ${str(r.label)}.`, tables: ['e'] };
    },
  }),
  T({
    name: 'delete-below', complexity: 'basic SQL', task: 'data manipulation',
    build({ d: { f }, random, f: rows }) {
      const nums = sortedNums(rows.map((r) => r.num));
      const t = fmt(nums[1 + Math.floor(random() * (nums.length - 1))], f.int);
      const prompt = pick(random, [
        `Delete all ${f.many} with ${art(f.numPhrase)} less than ${t}.`,
        `Remove every ${f.one} whose ${f.numPhrase} is below ${t}.`,
        `Delete the ${f.many} that have ${f.numPhrase} under ${t}.`,
      ]);
      return { prompt, sql: `DELETE FROM ${f.table} WHERE ${f.num} < ${t};`, explanation: `This statement deletes the ${f.table} rows whose ${f.num} is less than ${t}.`, tables: ['f'] };
    },
  }),
  T({
    name: 'delete-before', complexity: 'basic SQL', task: 'data manipulation',
    build({ d: { f }, random, f: rows }) {
      const dates = rows.map((r) => r.date).sort();
      const day = dates[1 + Math.floor(random() * (dates.length - 1))];
      const prompt = pick(random, [
        `Delete ${f.many} dated before ${humanDate(random, day)}.`,
        `Remove all ${f.many} whose ${f.datePhrase} is earlier than ${day}.`,
      ]);
      return { prompt, sql: `DELETE FROM ${f.table} WHERE ${f.date} < ${str(day)};`, explanation: `This statement removes the ${f.table} rows with a ${f.date} before ${day}.`, tables: ['f'] };
    },
  }),
  T({
    name: 'insert-entity', complexity: 'basic SQL', task: 'data manipulation',
    build({ d: { e, g }, random, e: rows, g: groups }) {
      const unused = e.labels.filter((l) => !rows.some((r) => r.label === l));
      if (unused.length === 0) return null;
      const label = pick(random, unused);
      const cat = pick(random, e.cats);
      const gid = pick(random, groups).id;
      const id = rows.length + 1;
      const n = fmt(e.int ? Math.round((e.min + e.max) / 2) : Math.round((e.min + e.max) * 50) / 100, e.int);
      const prompt = pick(random, [
        `Add a new ${e.one} with ID ${id}, ${lp(e.label)} ${q(random, label)}, ${e.catPhrase} ${q(random, cat)}, ${e.numPhrase} ${n} and ${g.one} ID ${gid}.`,
        `Insert ${e.one} ${id} (${label}, ${cat}) with ${art(e.numPhrase)} of ${n}, belonging to ${g.one} ${gid}.`,
        `Register ${art(e.one)} called ${label} (ID ${id}) in ${e.catPhrase} ${cat} for ${g.one} ${gid}; its ${e.numPhrase} is ${n}.`,
      ]);
      return { prompt, sql: `INSERT INTO ${e.table} VALUES (${id}, ${str(label)}, ${str(cat)}, ${n}, ${gid});`, explanation: `This statement inserts one new row into ${e.table} with a value for every column.`, tables: ['e'] };
    },
  }),
  T({
    name: 'insert-event', complexity: 'basic SQL', task: 'data manipulation',
    build({ d: { e, f }, random, f: rows, e: ents }) {
      const id = rows.length + 1;
      const eid = pick(random, ents).id;
      const n = fmt(f.int ? f.min + Math.floor(random() * (f.max - f.min)) : Math.round((f.min + random() * (f.max - f.min)) * 100) / 100, f.int);
      const day = addDays('2024-06-01', Math.floor(random() * 200));
      const prompt = pick(random, [
        `Record a new ${f.one} with ID ${id} for ${e.one} ${eid}: ${f.numPhrase} ${n} on ${humanDate(random, day)}.`,
        `Insert ${art(f.one)} (ID ${id}) of ${n} for ${e.one} ID ${eid}, dated ${day}.`,
        `Add ${f.one} ${id} to the ${f.table} table: ${e.one} ${eid}, ${f.numPhrase} ${n}, ${f.datePhrase} ${day}.`,
      ]);
      return { prompt, sql: `INSERT INTO ${f.table} VALUES (${id}, ${eid}, ${n}, ${str(day)});`, explanation: `This statement adds one row to ${f.table} for ${e.one} ${eid}.`, tables: ['f'] };
    },
  }),
  T({
    name: 'view-filter', complexity: 'basic SQL', task: 'data definition',
    build({ d: { e }, random, e: rows }) {
      const x = pick(random, rows).cat;
      const view = `${slug(x)}_${e.table}`;
      const prompt = pick(random, [
        `Create a view named ${view} that lists the ${lp(e.label)} and ${e.numPhrase} of ${e.many} whose ${e.catPhrase} is ${q(random, x)}.`,
        `Define a view ${view} showing ${e.many} with ${e.catPhrase} ${x}, with ${lp(e.label)} and ${e.numPhrase}.`,
      ]);
      return { prompt, sql: `CREATE VIEW ${view} AS SELECT ${e.label}, ${e.num} FROM ${e.table} WHERE ${e.cat} = ${str(x)};`, explanation: `This statement creates the view ${view} over the ${e.table} rows with ${e.cat} ${str(x)}.`, tables: ['e'] };
    },
  }),
  T({
    name: 'add-column', complexity: 'basic SQL', task: 'data definition',
    build({ d: { e }, random }) {
      const [col, type, what] = pick(random, [
        ['notes', 'TEXT', 'free-text notes'],
        ['status', 'TEXT', 'a status'],
        ['updated_at', 'DATE', 'the date of the last update'],
        ['rating', 'REAL', 'a rating'],
      ] as const);
      const prompt = pick(random, [
        `Add a ${type} column named ${col} to the ${e.table} table.`,
        `Alter the ${e.table} table to add a column ${col} for ${what}.`,
      ]);
      return { prompt, sql: `ALTER TABLE ${e.table} ADD COLUMN ${col} ${type};`, explanation: `This statement adds the column ${col} of type ${type} to ${e.table}.`, tables: ['e'] };
    },
  }),
  T({
    name: 'create-index', complexity: 'basic SQL', task: 'data definition',
    build({ d: { f }, random }) {
      const name = `idx_${f.table}_${f.date}`;
      const prompt = pick(random, [
        `Create an index named ${name} on the ${f.date} column of ${f.table}.`,
        `Speed up lookups of ${f.many} by ${f.datePhrase}: add an index ${name}.`,
      ]);
      return { prompt, sql: `CREATE INDEX ${name} ON ${f.table} (${f.date});`, explanation: `This statement creates the index ${name} on ${f.table}.${f.date}.`, tables: ['f'] };
    },
  }),
  T({
    name: 'create-table-as', complexity: 'basic SQL', task: 'data definition',
    build({ d: { f }, random, f: rows }) {
      const dates = rows.map((r) => r.date).sort();
      const day = dates[1 + Math.floor(random() * (dates.length - 1))];
      const name = `${f.table}_archive`;
      const prompt = pick(random, [
        `Create a table ${name} holding a copy of the ${f.many} dated before ${day}.`,
        `Make an archive table named ${name} with all ${f.many} whose ${f.datePhrase} is earlier than ${humanDate(random, day)}.`,
      ]);
      return { prompt, sql: `CREATE TABLE ${name} AS SELECT * FROM ${f.table} WHERE ${f.date} < ${str(day)};`, explanation: `This statement creates ${name} from the ${f.table} rows dated before ${day}.`, tables: ['f'] };
    },
  }),

  // ----- aggregation -----
  T({
    name: 'count-per-category', complexity: 'aggregation', task: 'analytics and reporting',
    build({ d: { e }, random }) {
      const prompt = pick(random, [
        `How many ${e.many} are there in each ${e.catPhrase}?`,
        `Count the ${e.many} per ${e.catPhrase}.`,
        `Show the number of ${e.many} for every ${e.catPhrase}.`,
      ]);
      return { prompt, sql: `SELECT ${e.cat}, COUNT(*) AS ${e.table}_count FROM ${e.table} GROUP BY ${e.cat};`, explanation: `This query groups ${e.table} by ${e.cat} and counts the rows in each group.`, tables: ['e'] };
    },
  }),
  T({
    name: 'avg-in-category', complexity: 'aggregation', task: 'analytics and reporting',
    build({ d: { e }, random, e: rows }) {
      const x = pick(random, rows).cat;
      const prompt = pick(random, [
        `What is the average ${e.numPhrase} of ${e.many} in the ${q(random, x)} ${e.catPhrase}?`,
        `Calculate the mean ${e.numPhrase} for ${e.many} whose ${e.catPhrase} is ${q(random, x)}.`,
        `On average, what ${e.numPhrase} do ${x} ${e.many} have?`,
      ]);
      return { prompt, sql: `SELECT AVG(${e.num}) FROM ${e.table} WHERE ${e.cat} = ${str(x)};`, explanation: `This query averages ${e.num} over the ${e.table} rows with ${e.cat} ${str(x)}.`, tables: ['e'] };
    },
  }),
  T({
    name: 'sum-in-year', complexity: 'aggregation', task: 'analytics and reporting',
    build({ d: { f }, random, f: rows }) {
      const year = pick(random, rows).date.slice(0, 4);
      const prompt = pick(random, [
        `What was the total ${f.numPhrase} of all ${f.many} in ${year}?`,
        `Sum the ${f.numPhrase} of ${f.many} that happened during ${year}.`,
        `Give the overall ${f.numPhrase} recorded across ${f.many} in the year ${year}.`,
      ]);
      return { prompt, sql: `SELECT SUM(${f.num}) FROM ${f.table} WHERE strftime('%Y', ${f.date}) = ${str(year)};`, explanation: `This query adds up ${f.num} for the ${f.table} rows whose ${f.date} is in ${year}.`, tables: ['f'] };
    },
  }),
  T({
    name: 'min-max', complexity: 'aggregation', task: 'analytics and reporting',
    build({ d: { e }, random }) {
      const max = random() < 0.6;
      const prompt = max
        ? pick(random, [`What is the highest ${e.numPhrase} among all ${e.many}?`, `Find the maximum ${e.numPhrase} of any ${e.one}.`])
        : pick(random, [`What is the lowest ${e.numPhrase} of any ${e.one}?`, `Find the minimum ${e.numPhrase} across ${e.many}.`]);
      const fn = max ? 'MAX' : 'MIN';
      return { prompt, sql: `SELECT ${fn}(${e.num}) FROM ${e.table};`, explanation: `This query returns the ${max ? 'largest' : 'smallest'} ${e.num} in ${e.table} with ${fn}.`, tables: ['e'] };
    },
  }),
  T({
    name: 'having-count', complexity: 'aggregation', task: 'analytics and reporting',
    build({ d: { e }, random }) {
      const prompt = pick(random, [
        `Which ${e.catPhrase} values have more than one ${e.one}? Show the count.`,
        `${list(random)} each ${e.catPhrase} shared by at least two ${e.many}, with the number of ${e.many}.`,
      ]);
      return { prompt, sql: `SELECT ${e.cat}, COUNT(*) AS ${e.table}_count FROM ${e.table} GROUP BY ${e.cat} HAVING COUNT(*) > 1;`, explanation: `This query counts ${e.table} per ${e.cat} and keeps only groups with more than one row using HAVING.`, tables: ['e'] };
    },
  }),
  T({
    name: 'monthly-totals', complexity: 'aggregation', task: 'analytics and reporting',
    build({ d: { f }, random }) {
      const prompt = pick(random, [
        `What is the total ${f.numPhrase} of ${f.many} for each month, in month order?`,
        `Show monthly totals of ${f.numPhrase} for ${f.many}, ordered by month.`,
        `Report the sum of ${f.numPhrase} per month (YYYY-MM) across all ${f.many}.`,
      ]);
      return { prompt, sql: `SELECT strftime('%Y-%m', ${f.date}) AS month, SUM(${f.num}) AS total FROM ${f.table} GROUP BY month ORDER BY month;`, explanation: `This query groups ${f.table} by the year and month of ${f.date} and sums ${f.num} for each month.`, tables: ['f'] };
    },
  }),
  T({
    name: 'avg-per-category', complexity: 'aggregation', task: 'analytics and reporting',
    build({ d: { e }, random }) {
      const prompt = pick(random, [
        `What is the average ${e.numPhrase} for each ${e.catPhrase}, highest first?`,
        `Rank ${e.catPhrase} values by the average ${e.numPhrase} of their ${e.many}.`,
      ]);
      return { prompt, sql: `SELECT ${e.cat}, AVG(${e.num}) AS avg_${e.num} FROM ${e.table} GROUP BY ${e.cat} ORDER BY avg_${e.num} DESC;`, explanation: `This query averages ${e.num} per ${e.cat} and sorts the groups from the highest average down.`, tables: ['e'] };
    },
  }),
  T({
    name: 'count-above', complexity: 'aggregation', task: 'data retrieval',
    build({ d: { f }, random, f: rows }) {
      const t = niceBelow(pick(random, rows).num);
      const prompt = pick(random, [
        `How many ${f.many} have ${art(f.numPhrase)} greater than ${t}?`,
        `Count the ${f.many} whose ${f.numPhrase} is above ${t}.`,
      ]);
      return { prompt, sql: `SELECT COUNT(*) FROM ${f.table} WHERE ${f.num} > ${t};`, explanation: `This query counts the ${f.table} rows with ${f.num} above ${t}.`, tables: ['f'] };
    },
  }),
  T({
    name: 'per-entity-stats', complexity: 'aggregation', task: 'analytics and reporting',
    build({ d: { e, f }, random }) {
      const prompt = pick(random, [
        `For each ${e.one} ID, how many ${f.many} are there and what is their total ${f.numPhrase}?`,
        `Show the number of ${f.many} and the summed ${f.numPhrase} per ${e.id}.`,
      ]);
      return { prompt, sql: `SELECT ${e.id}, COUNT(*) AS ${f.table}_count, SUM(${f.num}) AS total_${f.num} FROM ${f.table} GROUP BY ${e.id};`, explanation: `This query groups ${f.table} by ${e.id}, counting rows and summing ${f.num} in each group.`, tables: ['f'] };
    },
  }),
  T({
    name: 'view-summary', complexity: 'aggregation', task: 'data definition',
    build({ d: { e }, random }) {
      const view = `${e.table}_by_${e.cat}`;
      const prompt = pick(random, [
        `Create a view ${view} with the number of ${e.many} and their average ${e.numPhrase} per ${e.catPhrase}.`,
        `Define a view named ${view} summarising ${e.many} by ${e.catPhrase}: count and mean ${e.numPhrase}.`,
      ]);
      return { prompt, sql: `CREATE VIEW ${view} AS SELECT ${e.cat}, COUNT(*) AS ${e.table}_count, AVG(${e.num}) AS avg_${e.num} FROM ${e.table} GROUP BY ${e.cat};`, explanation: `This statement creates the view ${view}, which aggregates ${e.table} per ${e.cat}.`, tables: ['e'] };
    },
  }),

  // ----- single join -----
  T({
    name: 'join-total-per-entity', complexity: 'single join', task: 'analytics and reporting',
    build({ d, random }) {
      const { e, f } = d;
      const a = aliases(d);
      const prompt = pick(random, [
        `What is the total ${f.numPhrase} of ${f.many} for each ${e.one}? Show the ${e.one}'s ${lp(e.label)}.`,
        `For every ${e.one}, sum the ${f.numPhrase} of its ${f.many}.`,
        `${list(random)} each ${e.one} ${lp(e.label)} together with the total ${f.numPhrase} of its ${f.many}.`,
      ]);
      return { prompt, sql: `SELECT ${a.e}.${e.label}, SUM(${a.f}.${f.num}) AS total_${f.num} FROM ${e.table} ${a.e} JOIN ${f.table} ${a.f} ON ${a.e}.${e.id} = ${a.f}.${e.id} GROUP BY ${a.e}.${e.label};`, explanation: `This query joins ${e.table} with ${f.table} on ${e.id} and sums ${f.num} per ${e.label}.`, tables: ['e', 'f'] };
    },
  }),
  T({
    name: 'join-events-of-category', complexity: 'single join', task: 'data retrieval',
    build(c) {
      const { e, f } = c.d;
      const a = aliases(c.d);
      const ev = pick(c.random, c.f);
      const x = c.e.find((r) => r.id === ev.eid)!.cat;
      const prompt = pick(c.random, [
        `${list(c.random)} the ${f.many} for ${e.many} in the ${q(c.random, x)} ${e.catPhrase}, with the ${e.one} ${lp(e.label)} and ${f.numPhrase}.`,
        `Which ${f.many} belong to ${e.many} whose ${e.catPhrase} is ${x}? Give ${f.one} ID, ${lp(e.label)} and ${f.numPhrase}.`,
      ]);
      return { prompt, sql: `SELECT ${a.f}.${f.id}, ${a.e}.${e.label}, ${a.f}.${f.num} FROM ${f.table} ${a.f} JOIN ${e.table} ${a.e} ON ${a.f}.${e.id} = ${a.e}.${e.id} WHERE ${a.e}.${e.cat} = ${str(x)};`, explanation: `This query joins ${f.table} to ${e.table} and keeps the rows whose ${e.one} has ${e.cat} ${str(x)}.`, tables: ['e', 'f'] };
    },
  }),
  T({
    name: 'join-entity-group', complexity: 'single join', task: 'data retrieval',
    build(c) {
      const { e, g } = c.d;
      const a = aliases(c.d);
      const ent = pick(c.random, c.e);
      const y = c.g.find((r) => r.id === ent.gid)!.cat;
      const prompt = pick(c.random, [
        `${list(c.random)} the ${e.many} of ${g.many} whose ${g.catPhrase} is ${q(c.random, y)}, with the ${g.one} ${lp(g.label)}.`,
        `Which ${e.many} belong to ${art(g.one)} in ${y}? Show ${e.one} and ${g.one} ${plural(lp(g.label))}.`,
      ]);
      return { prompt, sql: `SELECT ${a.e}.${e.label}, ${a.g}.${g.label} FROM ${e.table} ${a.e} JOIN ${g.table} ${a.g} ON ${a.e}.${g.id} = ${a.g}.${g.id} WHERE ${a.g}.${g.cat} = ${str(y)};`, explanation: `This query joins ${e.table} with ${g.table} on ${g.id} and filters on ${g.cat} = ${str(y)}.`, tables: ['g', 'e'] };
    },
  }),
  T({
    name: 'left-join-without-events', complexity: 'single join', task: 'data retrieval',
    build(c) {
      const { e, f } = c.d;
      const a = aliases(c.d);
      const prompt = pick(c.random, [
        `Which ${e.many} have no ${f.many} at all?`,
        `${list(c.random)} the ${e.many} without any ${f.one}, using a left join.`,
        `Find ${e.many} that never had ${art(f.one)}.`,
      ]);
      return { prompt, sql: `SELECT ${a.e}.${e.label} FROM ${e.table} ${a.e} LEFT JOIN ${f.table} ${a.f} ON ${a.e}.${e.id} = ${a.f}.${e.id} WHERE ${a.f}.${f.id} IS NULL;`, explanation: `This query left-joins ${e.table} to ${f.table} and keeps the ${e.many} with no matching ${f.one}.`, tables: ['e', 'f'] };
    },
  }),
  T({
    name: 'join-count-per-group', complexity: 'single join', task: 'analytics and reporting',
    build(c) {
      const { e, g } = c.d;
      const a = aliases(c.d);
      const prompt = pick(c.random, [
        `How many ${e.many} does each ${g.one} have? Include ${g.many} with none.`,
        `Count the ${e.many} per ${g.one}, showing the ${g.one} ${lp(g.label)} and zero where there are none.`,
      ]);
      return { prompt, sql: `SELECT ${a.g}.${g.label}, COUNT(${a.e}.${e.id}) AS ${e.table}_count FROM ${g.table} ${a.g} LEFT JOIN ${e.table} ${a.e} ON ${a.g}.${g.id} = ${a.e}.${g.id} GROUP BY ${a.g}.${g.label};`, explanation: `This query left-joins ${g.table} to ${e.table} and counts the ${e.many} of every ${g.one}, zero included.`, tables: ['g', 'e'] };
    },
  }),
  T({
    name: 'join-avg-per-category', complexity: 'single join', task: 'analytics and reporting',
    build(c) {
      const { e, f } = c.d;
      const a = aliases(c.d);
      const prompt = pick(c.random, [
        `What is the average ${f.numPhrase} of ${f.many} for each ${e.one} ${e.catPhrase}?`,
        `Break down the mean ${f.numPhrase} of ${f.many} by the ${e.catPhrase} of the ${e.one}.`,
      ]);
      return { prompt, sql: `SELECT ${a.e}.${e.cat}, AVG(${a.f}.${f.num}) AS avg_${f.num} FROM ${e.table} ${a.e} JOIN ${f.table} ${a.f} ON ${a.e}.${e.id} = ${a.f}.${e.id} GROUP BY ${a.e}.${e.cat};`, explanation: `This query joins ${e.table} and ${f.table} and averages ${f.num} per ${e.cat}.`, tables: ['e', 'f'] };
    },
  }),
  T({
    name: 'join-events-of-entity', complexity: 'single join', task: 'data retrieval',
    build(c) {
      const { e, f } = c.d;
      const a = aliases(c.d);
      const label = pick(c.random, entitiesWithEvents(c)).label;
      const prompt = pick(c.random, [
        `${list(c.random)} the ${f.datePhrase} and ${f.numPhrase} of every ${f.one} for ${e.one} ${q(c.random, label)}.`,
        `What ${f.many} did ${label} have? Give date and ${f.numPhrase}.`,
      ]);
      return { prompt, sql: `SELECT ${a.f}.${f.date}, ${a.f}.${f.num} FROM ${f.table} ${a.f} JOIN ${e.table} ${a.e} ON ${a.f}.${e.id} = ${a.e}.${e.id} WHERE ${a.e}.${e.label} = ${str(label)};`, explanation: `This query joins ${f.table} with ${e.table} and keeps the ${f.many} of ${str(label)}.`, tables: ['e', 'f'] };
    },
  }),
  T({
    name: 'view-join', complexity: 'single join', task: 'data definition',
    build(c) {
      const { e, f } = c.d;
      const a = aliases(c.d);
      const view = `${f.table}_details`;
      const prompt = pick(c.random, [
        `Create a view ${view} that shows each ${f.one}'s ID, the ${e.one} ${lp(e.label)}, the ${f.numPhrase} and the ${f.datePhrase}.`,
        `Define a view named ${view} joining ${f.many} to their ${e.many}.`,
      ]);
      return { prompt, sql: `CREATE VIEW ${view} AS SELECT ${a.f}.${f.id}, ${a.e}.${e.label}, ${a.f}.${f.num}, ${a.f}.${f.date} FROM ${f.table} ${a.f} JOIN ${e.table} ${a.e} ON ${a.f}.${e.id} = ${a.e}.${e.id};`, explanation: `This statement creates the view ${view}, which joins ${f.table} to ${e.table} on ${e.id}.`, tables: ['e', 'f'] };
    },
  }),

  // ----- multiple joins -----
  T({
    name: 'joins-total-per-group', complexity: 'multiple joins', task: 'analytics and reporting',
    build(c) {
      const { e, f, g } = c.d;
      const a = aliases(c.d);
      const prompt = pick(c.random, [
        `What is the total ${f.numPhrase} of ${f.many} for each ${g.one}?`,
        `Sum the ${f.numPhrase} of all ${f.many} per ${g.one}, going through their ${e.many}.`,
        `For every ${g.one} ${lp(g.label)}, report the total ${f.numPhrase} of its ${e.many}' ${f.many}.`,
      ]);
      return { prompt, sql: `SELECT ${a.g}.${g.label}, SUM(${a.f}.${f.num}) AS total_${f.num} FROM ${g.table} ${a.g} JOIN ${e.table} ${a.e} ON ${a.g}.${g.id} = ${a.e}.${g.id} JOIN ${f.table} ${a.f} ON ${a.e}.${e.id} = ${a.f}.${e.id} GROUP BY ${a.g}.${g.label};`, explanation: `This query joins ${g.table}, ${e.table} and ${f.table} and sums ${f.num} per ${g.label}.`, tables: ['g', 'e', 'f'] };
    },
  }),
  T({
    name: 'joins-events-in-group-category', complexity: 'multiple joins', task: 'data retrieval',
    build(c) {
      const { e, f, g } = c.d;
      const a = aliases(c.d);
      const ev = pick(c.random, c.f);
      const ent = c.e.find((r) => r.id === ev.eid)!;
      const y = c.g.find((r) => r.id === ent.gid)!.cat;
      const prompt = pick(c.random, [
        `${list(c.random)} the ${f.many} of ${g.many} in ${q(c.random, y)}, with ${f.one} ID, ${e.one}, ${g.one} and ${f.numPhrase}.`,
        `Which ${f.many} come from ${e.many} of ${g.many} whose ${g.catPhrase} is ${y}?`,
      ]);
      return { prompt, sql: `SELECT ${a.f}.${f.id}, ${a.e}.${e.label}, ${a.g}.${g.label}, ${a.f}.${f.num} FROM ${f.table} ${a.f} JOIN ${e.table} ${a.e} ON ${a.f}.${e.id} = ${a.e}.${e.id} JOIN ${g.table} ${a.g} ON ${a.e}.${g.id} = ${a.g}.${g.id} WHERE ${a.g}.${g.cat} = ${str(y)};`, explanation: `This query joins ${f.table} through ${e.table} to ${g.table} and keeps rows where ${g.cat} is ${str(y)}.`, tables: ['g', 'e', 'f'] };
    },
  }),
  T({
    name: 'joins-count-per-group-category', complexity: 'multiple joins', task: 'analytics and reporting',
    build(c) {
      const { e, f, g } = c.d;
      const a = aliases(c.d);
      const prompt = pick(c.random, [
        `How many ${f.many} were there per ${g.one} ${g.catPhrase}?`,
        `Count ${f.many} grouped by the ${g.catPhrase} of the ${g.one}.`,
      ]);
      return { prompt, sql: `SELECT ${a.g}.${g.cat}, COUNT(${a.f}.${f.id}) AS ${f.table}_count FROM ${g.table} ${a.g} JOIN ${e.table} ${a.e} ON ${a.g}.${g.id} = ${a.e}.${g.id} JOIN ${f.table} ${a.f} ON ${a.e}.${e.id} = ${a.f}.${e.id} GROUP BY ${a.g}.${g.cat};`, explanation: `This query joins the three tables and counts ${f.table} rows per ${g.cat}.`, tables: ['g', 'e', 'f'] };
    },
  }),
  T({
    name: 'joins-left-count', complexity: 'multiple joins', task: 'analytics and reporting',
    build(c) {
      const { e, f, g } = c.d;
      const a = aliases(c.d);
      const prompt = pick(c.random, [
        `Count the ${f.many} of every ${g.one}, including ${g.many} with none.`,
        `For each ${g.one}, how many ${f.many} did its ${e.many} have? Show zero where none.`,
      ]);
      return { prompt, sql: `SELECT ${a.g}.${g.label}, COUNT(${a.f}.${f.id}) AS ${f.table}_count FROM ${g.table} ${a.g} LEFT JOIN ${e.table} ${a.e} ON ${a.g}.${g.id} = ${a.e}.${g.id} LEFT JOIN ${f.table} ${a.f} ON ${a.e}.${e.id} = ${a.f}.${e.id} GROUP BY ${a.g}.${g.label};`, explanation: `This query left-joins ${g.table} to ${e.table} and ${f.table} so that ${g.many} without ${f.many} count zero.`, tables: ['g', 'e', 'f'] };
    },
  }),
  T({
    name: 'joins-after-date', complexity: 'multiple joins', task: 'data retrieval',
    build(c) {
      const { e, f, g } = c.d;
      const a = aliases(c.d);
      const dates = c.f.map((r) => r.date).sort();
      const day = dates[Math.floor(c.random() * (dates.length - 1))];
      const prompt = pick(c.random, [
        `${list(c.random)} the ${g.one}, ${e.one} and ${f.datePhrase} of ${f.many} after ${humanDate(c.random, day)}, in date order.`,
        `Which ${g.many} and ${e.many} had ${f.many} later than ${day}? Sort by date.`,
      ]);
      return { prompt, sql: `SELECT ${a.g}.${g.label}, ${a.e}.${e.label}, ${a.f}.${f.date} FROM ${f.table} ${a.f} JOIN ${e.table} ${a.e} ON ${a.f}.${e.id} = ${a.e}.${e.id} JOIN ${g.table} ${a.g} ON ${a.e}.${g.id} = ${a.g}.${g.id} WHERE ${a.f}.${f.date} > ${str(day)} ORDER BY ${a.f}.${f.date};`, explanation: `This query joins all three tables, keeps ${f.many} after ${day} and orders them by ${f.date}.`, tables: ['g', 'e', 'f'] };
    },
  }),
  T({
    name: 'joins-max-per-group', complexity: 'multiple joins', task: 'analytics and reporting',
    build(c) {
      const { e, f, g } = c.d;
      const a = aliases(c.d);
      const ev = pick(c.random, c.f);
      const x = c.e.find((r) => r.id === ev.eid)!.cat;
      const prompt = pick(c.random, [
        `For ${e.many} in the ${q(c.random, x)} ${e.catPhrase}, what is the largest ${f.numPhrase} per ${g.one}?`,
        `Show the maximum ${f.numPhrase} of ${f.many} for each ${g.one}, counting only ${x} ${e.many}.`,
      ]);
      return { prompt, sql: `SELECT ${a.g}.${g.label}, MAX(${a.f}.${f.num}) AS max_${f.num} FROM ${g.table} ${a.g} JOIN ${e.table} ${a.e} ON ${a.g}.${g.id} = ${a.e}.${g.id} JOIN ${f.table} ${a.f} ON ${a.e}.${e.id} = ${a.f}.${e.id} WHERE ${a.e}.${e.cat} = ${str(x)} GROUP BY ${a.g}.${g.label};`, explanation: `This query joins the three tables, filters ${e.cat} = ${str(x)} and takes the maximum ${f.num} per ${g.label}.`, tables: ['g', 'e', 'f'] };
    },
  }),
  T({
    name: 'view-joins', complexity: 'multiple joins', task: 'data definition',
    build(c) {
      const { e, f, g } = c.d;
      const a = aliases(c.d);
      const view = `${f.table}_full`;
      const prompt = pick(c.random, [
        `Create a view ${view} listing each ${f.one} with its ${e.one} ${lp(e.label)}, ${g.one} ${lp(g.label)} and ${f.numPhrase}.`,
        `Define a view named ${view} that joins ${f.many}, ${e.many} and ${g.many}.`,
      ]);
      return { prompt, sql: `CREATE VIEW ${view} AS SELECT ${a.f}.${f.id}, ${a.e}.${e.label}, ${a.g}.${g.label}, ${a.f}.${f.num} FROM ${f.table} ${a.f} JOIN ${e.table} ${a.e} ON ${a.f}.${e.id} = ${a.e}.${e.id} JOIN ${g.table} ${a.g} ON ${a.e}.${g.id} = ${a.g}.${g.id};`, explanation: `This statement creates the view ${view} over a join of ${f.table}, ${e.table} and ${g.table}.`, tables: ['g', 'e', 'f'] };
    },
  }),

  // ----- subqueries -----
  T({
    name: 'above-average', complexity: 'subqueries', task: 'data retrieval',
    build({ d: { e }, random }) {
      const prompt = pick(random, [
        `Which ${e.many} have ${art(e.numPhrase)} above the average of all ${e.many}?`,
        `${list(random)} ${e.many} whose ${e.numPhrase} is higher than average, with the ${e.numPhrase}.`,
      ]);
      return { prompt, sql: `SELECT ${e.label}, ${e.num} FROM ${e.table} WHERE ${e.num} > (SELECT AVG(${e.num}) FROM ${e.table});`, explanation: `This query compares each ${e.num} with the average computed by a subquery and keeps the larger ones.`, tables: ['e'] };
    },
  }),
  T({
    name: 'in-subquery', complexity: 'subqueries', task: 'data retrieval',
    build({ d: { e, f }, random, f: rows }) {
      const t = niceBelow(pick(random, rows).num);
      const prompt = pick(random, [
        `Which ${e.many} have at least one ${f.one} with ${art(f.numPhrase)} over ${t}?`,
        `${list(random)} the ${e.many} that had ${art(f.one)} of more than ${t}.`,
      ]);
      return { prompt, sql: `SELECT ${e.label} FROM ${e.table} WHERE ${e.id} IN (SELECT ${e.id} FROM ${f.table} WHERE ${f.num} > ${t});`, explanation: `This query keeps the ${e.many} whose ${e.id} appears among ${f.table} rows with ${f.num} above ${t}.`, tables: ['e', 'f'] };
    },
  }),
  T({
    name: 'not-in-subquery', complexity: 'subqueries', task: 'data retrieval',
    build({ d: { e, f }, random }) {
      const prompt = pick(random, [
        `${list(random)} the ${e.many} that do not appear in ${f.table}.`,
        `Which ${e.many} have never had ${art(f.one)}? Use a subquery.`,
      ]);
      return { prompt, sql: `SELECT ${e.label} FROM ${e.table} WHERE ${e.id} NOT IN (SELECT ${e.id} FROM ${f.table});`, explanation: `This query excludes every ${e.one} whose ${e.id} occurs in ${f.table}.`, tables: ['e', 'f'] };
    },
  }),
  T({
    name: 'correlated-max', complexity: 'subqueries', task: 'analytics and reporting',
    build({ d: { e }, random }) {
      const prompt = pick(random, [
        `Which ${e.one} has the highest ${e.numPhrase} within each ${e.catPhrase}?`,
        `For every ${e.catPhrase}, find the ${e.one} with the top ${e.numPhrase}.`,
      ]);
      return { prompt, sql: `SELECT ${e.label}, ${e.cat}, ${e.num} FROM ${e.table} t1 WHERE ${e.num} = (SELECT MAX(${e.num}) FROM ${e.table} t2 WHERE t2.${e.cat} = t1.${e.cat});`, explanation: `This query uses a correlated subquery to keep each ${e.one} whose ${e.num} equals the maximum of its ${e.cat}.`, tables: ['e'] };
    },
  }),
  T({
    name: 'derived-average', complexity: 'subqueries', task: 'analytics and reporting',
    build({ d: { e, f }, random }) {
      const prompt = pick(random, [
        `What is the average total ${f.numPhrase} per ${e.one}, counting only ${e.many} with ${f.many}?`,
        `Compute each ${e.one}'s total ${f.numPhrase} and return the average of those totals.`,
      ]);
      return { prompt, sql: `SELECT AVG(total) FROM (SELECT ${e.id}, SUM(${f.num}) AS total FROM ${f.table} GROUP BY ${e.id}) AS totals;`, explanation: `This query sums ${f.num} per ${e.id} in a derived table and averages those sums.`, tables: ['f'] };
    },
  }),
  T({
    name: 'in-group-category', complexity: 'subqueries', task: 'data retrieval',
    build(c) {
      const { e, g } = c.d;
      const gid = pick(c.random, c.e).gid;
      const y = c.g.find((r) => r.id === gid)!.cat;
      const prompt = pick(c.random, [
        `${list(c.random)} the ${e.many} that belong to ${g.many} in ${q(c.random, y)}.`,
        `Which ${e.many} are at ${art(g.one)} whose ${g.catPhrase} is ${y}? Use a subquery.`,
      ]);
      return { prompt, sql: `SELECT ${e.label} FROM ${e.table} WHERE ${g.id} IN (SELECT ${g.id} FROM ${g.table} WHERE ${g.cat} = ${str(y)});`, explanation: `This query finds ${g.table} ids with ${g.cat} ${str(y)} in a subquery and returns their ${e.many}.`, tables: ['g', 'e'] };
    },
  }),
  T({
    name: 'latest-event', complexity: 'subqueries', task: 'data retrieval',
    build({ d: { f }, random }) {
      const prompt = pick(random, [
        `What is the most recent ${f.one}?`,
        `Show the ${f.one} with the latest ${f.datePhrase}.`,
      ]);
      return { prompt, sql: `SELECT * FROM ${f.table} WHERE ${f.date} = (SELECT MAX(${f.date}) FROM ${f.table});`, explanation: `This query returns the ${f.table} row whose ${f.date} equals the latest date found by a subquery.`, tables: ['f'] };
    },
  }),
  T({
    name: 'events-above-average', complexity: 'subqueries', task: 'analytics and reporting',
    build({ d: { f }, random }) {
      const prompt = pick(random, [
        `Which ${f.many} had ${art(f.numPhrase)} above the average ${f.numPhrase}?`,
        `${list(random)} the ${f.many} with more than the average ${f.numPhrase}.`,
      ]);
      return { prompt, sql: `SELECT * FROM ${f.table} WHERE ${f.num} > (SELECT AVG(${f.num}) FROM ${f.table});`, explanation: `This query keeps the ${f.table} rows whose ${f.num} exceeds the average from a subquery.`, tables: ['f'] };
    },
  }),
  T({
    name: 'delete-by-category', complexity: 'subqueries', task: 'data manipulation',
    build(c) {
      const { e, f } = c.d;
      const cats = [...new Set(c.e.map((r) => r.cat))].filter((x) => {
        const ids = new Set(c.e.filter((r) => r.cat === x).map((r) => r.id));
        const hit = c.f.filter((r) => ids.has(r.eid)).length;
        return hit > 0 && hit < c.f.length;
      });
      if (cats.length === 0) return null;
      const x = pick(c.random, cats);
      const prompt = pick(c.random, [
        `Delete all ${f.many} of ${e.many} whose ${e.catPhrase} is ${q(c.random, x)}.`,
        `Remove the ${f.many} that belong to ${x} ${e.many}.`,
      ]);
      return { prompt, sql: `DELETE FROM ${f.table} WHERE ${e.id} IN (SELECT ${e.id} FROM ${e.table} WHERE ${e.cat} = ${str(x)});`, explanation: `This statement deletes the ${f.table} rows whose ${e.id} belongs to ${art(e.one)} with ${e.cat} ${str(x)}.`, tables: ['e', 'f'] };
    },
  }),
  T({
    name: 'update-without-events', complexity: 'subqueries', task: 'data manipulation',
    build({ d: { e, f }, random }) {
      const pct = pick(random, [5, 10, 15, 20]);
      const prompt = pick(random, [
        `Reduce the ${e.numPhrase} by ${pct}% for ${e.many} that have no ${f.many}.`,
        `Cut the ${e.numPhrase} of every ${e.one} without any ${f.one} by ${pct} percent.`,
      ]);
      return { prompt, sql: `UPDATE ${e.table} SET ${e.num} = ${e.num} * ${((100 - pct) / 100).toFixed(2)} WHERE ${e.id} NOT IN (SELECT ${e.id} FROM ${f.table});`, explanation: `This statement scales ${e.num} by ${((100 - pct) / 100).toFixed(2)} for the ${e.many} absent from ${f.table}.`, tables: ['e', 'f'] };
    },
  }),

  // ----- window functions -----
  T({
    name: 'rank-in-category', complexity: 'window functions', task: 'analytics and reporting',
    build({ d: { e }, random }) {
      const prompt = pick(random, [
        `Rank ${e.many} by ${e.numPhrase} within each ${e.catPhrase}, highest first.`,
        `Show each ${e.one} with its rank by ${e.numPhrase} inside its ${e.catPhrase}.`,
      ]);
      return { prompt, sql: `SELECT ${e.label}, ${e.cat}, ${e.num}, RANK() OVER (PARTITION BY ${e.cat} ORDER BY ${e.num} DESC) AS rank_in_${e.cat} FROM ${e.table};`, explanation: `This query ranks ${e.table} rows by ${e.num} descending within each ${e.cat} using RANK with PARTITION BY.`, tables: ['e'] };
    },
  }),
  T({
    name: 'running-total', complexity: 'window functions', task: 'analytics and reporting',
    build({ d: { f }, random }) {
      const prompt = pick(random, [
        `Show the running total of ${f.numPhrase} over time for ${f.many}.`,
        `${list(random)} each ${f.one}'s ${f.datePhrase}, ${f.numPhrase} and the cumulative ${f.numPhrase} up to that date.`,
      ]);
      return { prompt, sql: `SELECT ${f.date}, ${f.num}, SUM(${f.num}) OVER (ORDER BY ${f.date}) AS running_total FROM ${f.table};`, explanation: `This query computes a cumulative sum of ${f.num} ordered by ${f.date} with a window function.`, tables: ['f'] };
    },
  }),
  T({
    name: 'lag-change', complexity: 'window functions', task: 'analytics and reporting',
    build({ d: { f }, random }) {
      const prompt = pick(random, [
        `For each ${f.one} in date order, how much did the ${f.numPhrase} change from the previous ${f.one}?`,
        `Show the difference in ${f.numPhrase} between consecutive ${f.many} by ${f.datePhrase}.`,
      ]);
      return { prompt, sql: `SELECT ${f.date}, ${f.num}, ${f.num} - LAG(${f.num}) OVER (ORDER BY ${f.date}) AS change FROM ${f.table};`, explanation: `This query subtracts the previous row's ${f.num}, obtained with LAG ordered by ${f.date}, from the current one.`, tables: ['f'] };
    },
  }),
  T({
    name: 'top-per-category', complexity: 'window functions', task: 'data retrieval',
    build({ d: { e }, random }) {
      const prompt = pick(random, [
        `Using ROW_NUMBER, find the ${e.one} with the highest ${e.numPhrase} in each ${e.catPhrase}.`,
        `${list(random)} the top ${e.one} by ${e.numPhrase} for every ${e.catPhrase}.`,
      ]);
      return { prompt, sql: `SELECT ${e.label}, ${e.cat}, ${e.num} FROM (SELECT ${e.label}, ${e.cat}, ${e.num}, ROW_NUMBER() OVER (PARTITION BY ${e.cat} ORDER BY ${e.num} DESC) AS rn FROM ${e.table}) AS ranked WHERE rn = 1;`, explanation: `This query numbers ${e.table} rows per ${e.cat} by descending ${e.num} and keeps the first of each.`, tables: ['e'] };
    },
  }),
  T({
    name: 'ntile', complexity: 'window functions', task: 'analytics and reporting',
    build({ d: { e }, random }) {
      const [n, word] = pick(random, [[2, 'halves'], [3, 'thirds'], [4, 'quartiles']] as const);
      const prompt = pick(random, [
        `Split ${e.many} into ${word} by ${e.numPhrase} and show which group each falls in.`,
        `Assign every ${e.one} to one of ${n} buckets ordered by ${e.numPhrase}.`,
      ]);
      return { prompt, sql: `SELECT ${e.label}, ${e.num}, NTILE(${n}) OVER (ORDER BY ${e.num}) AS bucket FROM ${e.table};`, explanation: `This query uses NTILE(${n}) over ${e.num} to place each ${e.one} in one of ${n} ordered groups.`, tables: ['e'] };
    },
  }),
  T({
    name: 'share-of-total', complexity: 'window functions', task: 'analytics and reporting',
    build({ d: { e }, random }) {
      const prompt = pick(random, [
        `What percentage of the total ${e.numPhrase} does each ${e.one} account for?`,
        `${list(random)} each ${e.one}'s ${e.numPhrase} as a percentage of the sum over all ${e.many}, rounded to two decimals.`,
      ]);
      return { prompt, sql: `SELECT ${e.label}, ${e.num}, ROUND(${e.num} * 100.0 / SUM(${e.num}) OVER (), 2) AS pct_of_total FROM ${e.table};`, explanation: `This query divides each ${e.num} by the window total over all rows and expresses it as a percentage.`, tables: ['e'] };
    },
  }),
  T({
    name: 'running-per-entity', complexity: 'window functions', task: 'analytics and reporting',
    build({ d: { e, f }, random }) {
      const prompt = pick(random, [
        `For each ${e.one}, show the cumulative ${f.numPhrase} of its ${f.many} over time.`,
        `Compute a running total of ${f.numPhrase} per ${e.id}, ordered by ${f.datePhrase}.`,
      ]);
      return { prompt, sql: `SELECT ${e.id}, ${f.date}, ${f.num}, SUM(${f.num}) OVER (PARTITION BY ${e.id} ORDER BY ${f.date}) AS running_total FROM ${f.table};`, explanation: `This query sums ${f.num} cumulatively by ${f.date} within each ${e.id} partition.`, tables: ['f'] };
    },
  }),
  T({
    name: 'category-average-window', complexity: 'window functions', task: 'analytics and reporting',
    build({ d: { e }, random }) {
      const prompt = pick(random, [
        `Show each ${e.one}'s ${e.numPhrase} next to the average ${e.numPhrase} of its ${e.catPhrase}.`,
        `${list(random)} ${e.many} with their ${e.numPhrase} and the mean ${e.numPhrase} of their ${e.catPhrase}.`,
      ]);
      return { prompt, sql: `SELECT ${e.label}, ${e.cat}, ${e.num}, AVG(${e.num}) OVER (PARTITION BY ${e.cat}) AS ${e.cat}_avg FROM ${e.table};`, explanation: `This query adds the per-${e.cat} average of ${e.num} to every row with AVG over a partition.`, tables: ['e'] };
    },
  }),
  T({
    name: 'view-ranking', complexity: 'window functions', task: 'data definition',
    build({ d: { e }, random }) {
      const view = `${e.table}_ranked`;
      const prompt = pick(random, [
        `Create a view ${view} that ranks ${e.many} by ${e.numPhrase} with DENSE_RANK.`,
        `Define a view named ${view} giving every ${e.one} its dense rank by descending ${e.numPhrase}.`,
      ]);
      return { prompt, sql: `CREATE VIEW ${view} AS SELECT ${e.label}, ${e.num}, DENSE_RANK() OVER (ORDER BY ${e.num} DESC) AS ${e.num}_rank FROM ${e.table};`, explanation: `This statement creates the view ${view} with a DENSE_RANK of ${e.table} by ${e.num}.`, tables: ['e'] };
    },
  }),

  // ----- set operations -----
  T({
    name: 'union-filters', complexity: 'set operations', task: 'data retrieval',
    build({ d: { e }, random, e: rows }) {
      const x = pick(random, rows).cat;
      const t = niceBelow(pick(random, rows).num);
      const prompt = pick(random, [
        `${list(random)} ${e.many} that are either in the ${q(random, x)} ${e.catPhrase} or have ${art(e.numPhrase)} above ${t}.`,
        `Combine ${x} ${e.many} with ${e.many} whose ${e.numPhrase} exceeds ${t}, without duplicates.`,
      ]);
      return { prompt, sql: `SELECT ${e.label} FROM ${e.table} WHERE ${e.cat} = ${str(x)} UNION SELECT ${e.label} FROM ${e.table} WHERE ${e.num} > ${t};`, explanation: `This query unions the ${e.many} with ${e.cat} ${str(x)} and those with ${e.num} above ${t}, removing duplicates.`, tables: ['e'] };
    },
  }),
  T({
    name: 'intersect-ids', complexity: 'set operations', task: 'data retrieval',
    build(c) {
      const { e, f } = c.d;
      const x = pick(c.random, entitiesWithEvents(c)).cat;
      const prompt = pick(c.random, [
        `Which ${e.one} IDs are in the ${q(c.random, x)} ${e.catPhrase} and also appear in ${f.table}?`,
        `Find the IDs of ${x} ${e.many} that have ${f.many}, using INTERSECT.`,
      ]);
      return { prompt, sql: `SELECT ${e.id} FROM ${e.table} WHERE ${e.cat} = ${str(x)} INTERSECT SELECT ${e.id} FROM ${f.table};`, explanation: `This query intersects the ids of ${e.many} with ${e.cat} ${str(x)} with the ids present in ${f.table}.`, tables: ['e', 'f'] };
    },
  }),
  T({
    name: 'except-ids', complexity: 'set operations', task: 'data retrieval',
    build({ d: { e, f }, random }) {
      const prompt = pick(random, [
        `Which ${e.one} IDs have no ${f.many}? Use EXCEPT.`,
        `${list(random)} the IDs of ${e.many} that are missing from ${f.table}.`,
      ]);
      return { prompt, sql: `SELECT ${e.id} FROM ${e.table} EXCEPT SELECT ${e.id} FROM ${f.table};`, explanation: `This query removes the ids found in ${f.table} from all ${e.table} ids.`, tables: ['e', 'f'] };
    },
  }),
  T({
    name: 'union-names', complexity: 'set operations', task: 'data retrieval',
    build({ d: { e, g }, random }) {
      const prompt = pick(random, [
        `${list(random)} every ${g.one} ${lp(g.label)} and every ${e.one} ${lp(e.label)} in a single column.`,
        `Combine the ${plural(lp(g.label))} of ${g.many} and the ${plural(lp(e.label))} of ${e.many} into one list.`,
      ]);
      return { prompt, sql: `SELECT ${g.label} AS name FROM ${g.table} UNION SELECT ${e.label} FROM ${e.table};`, explanation: `This query stacks the ${g.label} and ${e.label} columns with UNION.`, tables: ['g', 'e'] };
    },
  }),
  T({
    name: 'union-all-counts', complexity: 'set operations', task: 'analytics and reporting',
    build({ d: { e, g }, random }) {
      const prompt = pick(random, [
        `How many ${g.many} and how many ${e.many} are there? Return one row per table.`,
        `Report the row counts of ${g.table} and ${e.table} together.`,
      ]);
      return { prompt, sql: `SELECT '${g.table}' AS source, COUNT(*) AS row_count FROM ${g.table} UNION ALL SELECT '${e.table}', COUNT(*) FROM ${e.table};`, explanation: `This query counts each table and combines both counts with UNION ALL.`, tables: ['g', 'e'] };
    },
  }),
  T({
    name: 'except-category', complexity: 'set operations', task: 'data retrieval',
    build({ d: { e }, random, e: rows }) {
      const r = pick(random, rows);
      const x = pick(random, [...new Set(rows.map((o) => o.cat))].filter((k) => k !== r.cat));
      if (x === undefined) return null;
      const t = niceBelow(r.num);
      const prompt = pick(random, [
        `${list(random)} ${e.many} with ${art(e.numPhrase)} above ${t} that are not in the ${q(random, x)} ${e.catPhrase}.`,
        `Which ${e.many} have ${e.numPhrase} over ${t}, excluding ${x} ones? Use EXCEPT.`,
      ]);
      return { prompt, sql: `SELECT ${e.label} FROM ${e.table} WHERE ${e.num} > ${t} EXCEPT SELECT ${e.label} FROM ${e.table} WHERE ${e.cat} = ${str(x)};`, explanation: `This query takes the ${e.many} with ${e.num} above ${t} and removes those with ${e.cat} ${str(x)}.`, tables: ['e'] };
    },
  }),
  T({
    name: 'delete-except', complexity: 'set operations', task: 'data manipulation',
    build({ d: { e, f }, random }) {
      const prompt = pick(random, [
        `Delete the ${e.many} that have no ${f.many}, using EXCEPT to find them.`,
        `Remove every ${e.one} whose ID is not found in ${f.table}.`,
      ]);
      return { prompt, sql: `DELETE FROM ${e.table} WHERE ${e.id} IN (SELECT ${e.id} FROM ${e.table} EXCEPT SELECT ${e.id} FROM ${f.table});`, explanation: `This statement deletes the ${e.many} whose ids are left after subtracting the ids in ${f.table}.`, tables: ['e', 'f'] };
    },
  }),

  // ----- CTEs -----
  T({
    name: 'cte-top-totals', complexity: 'CTEs', task: 'analytics and reporting',
    build(c) {
      const { e, f } = c.d;
      const a = aliases(c.d);
      const k = 2 + Math.floor(c.random() * 2);
      const prompt = pick(c.random, [
        `Using a CTE, find the ${k} ${e.many} with the highest total ${f.numPhrase}.`,
        `Which ${k} ${e.many} have the largest summed ${f.numPhrase} across their ${f.many}?`,
      ]);
      return { prompt, sql: `WITH totals AS (SELECT ${e.id}, SUM(${f.num}) AS total FROM ${f.table} GROUP BY ${e.id}) SELECT ${a.e}.${e.label}, totals.total FROM ${e.table} ${a.e} JOIN totals ON ${a.e}.${e.id} = totals.${e.id} ORDER BY totals.total DESC LIMIT ${k};`, explanation: `This query sums ${f.num} per ${e.one} in a CTE, joins it to ${e.table} and keeps the top ${k}.`, tables: ['e', 'f'] };
    },
  }),
  T({
    name: 'cte-above-category-average', complexity: 'CTEs', task: 'data retrieval',
    build(c) {
      const { e } = c.d;
      const prompt = pick(c.random, [
        `Which ${e.many} have ${art(e.numPhrase)} above the average of their ${e.catPhrase}? Use a CTE.`,
        `${list(c.random)} ${e.many} that beat their ${e.catPhrase}'s average ${e.numPhrase}.`,
      ]);
      return { prompt, sql: `WITH cat_avg AS (SELECT ${e.cat}, AVG(${e.num}) AS avg_${e.num} FROM ${e.table} GROUP BY ${e.cat}) SELECT t.${e.label}, t.${e.num} FROM ${e.table} t JOIN cat_avg c ON t.${e.cat} = c.${e.cat} WHERE t.${e.num} > c.avg_${e.num};`, explanation: `This query computes each ${e.cat}'s average ${e.num} in a CTE and keeps rows above it.`, tables: ['e'] };
    },
  }),
  T({
    name: 'cte-best-month', complexity: 'CTEs', task: 'analytics and reporting',
    build({ d: { f }, random }) {
      const prompt = pick(random, [
        `Which month had the highest total ${f.numPhrase} of ${f.many}?`,
        `Using a CTE of monthly totals, find the month with the largest ${f.numPhrase}.`,
      ]);
      return { prompt, sql: `WITH monthly AS (SELECT strftime('%Y-%m', ${f.date}) AS month, SUM(${f.num}) AS total FROM ${f.table} GROUP BY month) SELECT month, total FROM monthly ORDER BY total DESC LIMIT 1;`, explanation: `This query totals ${f.num} per month in a CTE and returns the month with the largest total.`, tables: ['f'] };
    },
  }),
  T({
    name: 'cte-group-counts', complexity: 'CTEs', task: 'analytics and reporting',
    build(c) {
      const { e, g } = c.d;
      const a = aliases(c.d);
      const prompt = pick(c.random, [
        `With a CTE, count the ${e.many} of each ${g.one} and list ${g.many} from most to fewest.`,
        `Which ${g.many} have the most ${e.many}? Show each ${g.one} with its count, highest first.`,
      ]);
      return { prompt, sql: `WITH counts AS (SELECT ${g.id}, COUNT(*) AS n FROM ${e.table} GROUP BY ${g.id}) SELECT ${a.g}.${g.label}, counts.n FROM ${g.table} ${a.g} JOIN counts ON ${a.g}.${g.id} = counts.${g.id} ORDER BY counts.n DESC;`, explanation: `This query counts ${e.table} rows per ${g.id} in a CTE and joins the counts to ${g.table}.`, tables: ['g', 'e'] };
    },
  }),
  T({
    name: 'cte-at-least-average', complexity: 'CTEs', task: 'analytics and reporting',
    build(c) {
      const { e, f } = c.d;
      const a = aliases(c.d);
      const prompt = pick(c.random, [
        `Which ${e.many} have a total ${f.numPhrase} at or above the average total per ${e.one}?`,
        `Using two CTEs, list ${e.many} whose summed ${f.numPhrase} is at least the average of all such sums.`,
      ]);
      return { prompt, sql: `WITH totals AS (SELECT ${e.id}, SUM(${f.num}) AS total FROM ${f.table} GROUP BY ${e.id}), overall AS (SELECT AVG(total) AS avg_total FROM totals) SELECT ${a.e}.${e.label}, totals.total FROM ${e.table} ${a.e} JOIN totals ON ${a.e}.${e.id} = totals.${e.id} WHERE totals.total >= (SELECT avg_total FROM overall);`, explanation: `This query builds per-${e.one} totals and their average in two CTEs and keeps totals at or above that average.`, tables: ['e', 'f'] };
    },
  }),
  T({
    name: 'cte-recent', complexity: 'CTEs', task: 'data retrieval',
    build(c) {
      const { e, f } = c.d;
      const a = aliases(c.d);
      const day = pick(c.random, c.f).date;
      const prompt = pick(c.random, [
        `Using a CTE of ${f.many} on or after ${day}, show the ${e.one} ${lp(e.label)}, ${f.numPhrase} and date.`,
        `${list(c.random)} ${f.many} since ${humanDate(c.random, day)} with the ${e.one} they belong to.`,
      ]);
      return { prompt, sql: `WITH recent AS (SELECT * FROM ${f.table} WHERE ${f.date} >= ${str(day)}) SELECT ${a.e}.${e.label}, recent.${f.num}, recent.${f.date} FROM recent JOIN ${e.table} ${a.e} ON recent.${e.id} = ${a.e}.${e.id};`, explanation: `This query keeps ${f.many} from ${day} onward in a CTE and joins them to ${e.table}.`, tables: ['e', 'f'] };
    },
  }),
  T({
    name: 'cte-view', complexity: 'CTEs', task: 'data definition',
    build(c) {
      const { e, f } = c.d;
      const a = aliases(c.d);
      const view = `${e.table}_totals`;
      const prompt = pick(c.random, [
        `Create a view ${view} that uses a CTE to show each ${e.one} with its total ${f.numPhrase}.`,
        `Define a view named ${view} with every ${e.one}'s summed ${f.numPhrase}, built from a CTE.`,
      ]);
      return { prompt, sql: `CREATE VIEW ${view} AS WITH totals AS (SELECT ${e.id}, SUM(${f.num}) AS total FROM ${f.table} GROUP BY ${e.id}) SELECT ${a.e}.${e.label}, totals.total FROM ${e.table} ${a.e} JOIN totals ON ${a.e}.${e.id} = totals.${e.id};`, explanation: `This statement creates the view ${view} from a CTE of per-${e.one} totals joined to ${e.table}.`, tables: ['e', 'f'] };
    },
  }),
  T({
    name: 'cte-update', complexity: 'CTEs', task: 'data manipulation',
    build(c) {
      const { e, f } = c.d;
      const totals = new Map<number, number>();
      for (const r of c.f) totals.set(r.eid, (totals.get(r.eid) ?? 0) + r.num);
      const top = [...totals.entries()].sort((x, y) => y[1] - x[1])[0];
      const t = niceBelow(top[1]);
      // A new value for the top entity, so the update visibly changes the table.
      const z = pick(c.random, e.cats.filter((x) => x !== c.e.find((r) => r.id === top[0])!.cat));
      const prompt = pick(c.random, [
        `Set the ${e.catPhrase} to ${q(c.random, z)} for ${e.many} whose total ${f.numPhrase} exceeds ${t}.`,
        `Using a CTE of totals, change ${e.catPhrase} to ${z} for every ${e.one} with more than ${t} in total ${f.numPhrase}.`,
      ]);
      return { prompt, sql: `WITH totals AS (SELECT ${e.id}, SUM(${f.num}) AS total FROM ${f.table} GROUP BY ${e.id}) UPDATE ${e.table} SET ${e.cat} = ${str(z)} WHERE ${e.id} IN (SELECT ${e.id} FROM totals WHERE total > ${t});`, explanation: `This statement totals ${f.num} per ${e.one} in a CTE and sets ${e.cat} to ${str(z)} for those above ${t}.`, tables: ['e', 'f'] };
    },
  }),
];
