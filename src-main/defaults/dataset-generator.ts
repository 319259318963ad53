/**
 * Deterministic generator of the default text-to-SQL dataset, in gretel's columns.
 *
 * Every example carries its own small database in sql_context (CREATE TABLE +
 * INSERT), so its gold SQL runs in SQLite. How to check each task type:
 * - SELECT / WITH ... SELECT (analytics, retrieval): run the query; it returns >= 1 row.
 * - data manipulation (INSERT / UPDATE / DELETE, possibly WITH ... UPDATE): run the
 *   statement, then compare the contents of the table it writes (`SELECT * FROM t`,
 *   see `checkQuery`) - the statement changes >= 1 row and leaves >= 1 behind.
 * - data definition (CREATE VIEW / CREATE TABLE AS / CREATE INDEX / ALTER TABLE):
 *   run it, then compare `SELECT * FROM` the created view/table, or the altered/indexed table.
 */
import { seededRandom, shuffle } from '../train/batching';
import { DOMAINS, type DomainSpec } from './domains';
import {
  COMPLEXITIES,
  type Complexity,
  type EntityRow,
  type EventRow,
  type GroupRow,
  pick,
  str,
  TASK_TYPES,
  type TaskType,
  type Template,
  TEMPLATES,
} from './templates';

export { COMPLEXITIES, TASK_TYPES, DOMAINS };
export type { Complexity, TaskType };

/** One row in gretel's column order (gretelai/synthetic_text_to_sql). */
export interface TextToSqlRow {
  id: number;
  domain: string;
  domain_description: string;
  sql_complexity: Complexity;
  sql_complexity_description: string;
  sql_task_type: TaskType;
  sql_task_type_description: string;
  sql_prompt: string;
  sql_context: string;
  sql: string;
  sql_explanation: string;
}

export const COMPLEXITY_DESCRIPTIONS: Record<Complexity, string> = {
  'basic SQL': 'basic SQL with a simple select statement',
  aggregation: 'aggregation functions (COUNT, SUM, AVG, MIN, MAX) with GROUP BY and HAVING',
  'single join': 'only one join (inner or left outer)',
  'multiple joins': 'two or more joins (inner or left outer)',
  subqueries: 'subqueries, including correlated subqueries and derived tables',
  'window functions': 'window functions (RANK, ROW_NUMBER, DENSE_RANK, NTILE, LAG, SUM/AVG OVER) with partitioning and ordering',
  'set operations': 'set operations such as UNION, UNION ALL, INTERSECT and EXCEPT',
  CTEs: 'common table expressions (WITH clauses)',
};

export const TASK_TYPE_DESCRIPTIONS: Record<TaskType, string> = {
  'analytics and reporting': 'generating reports, summaries and analytical insights',
  'data retrieval': 'basic data fetching queries',
  'data manipulation': 'inserting, updating, or deleting records',
  'data definition': 'creating or altering tables, views and indexes',
};

/**
 * Share of each complexity class. Harder classes get more than gretel's natural
 * share (where CTEs and set operations are ~1%) so a small dataset still teaches them.
 */
export const COMPLEXITY_SHARES: Record<Complexity, number> = {
  'basic SQL': 0.22,
  aggregation: 0.18,
  'single join': 0.13,
  'multiple joins': 0.1,
  subqueries: 0.11,
  'window functions': 0.1,
  'set operations': 0.08,
  CTEs: 0.08,
};

export const DEFAULT_DATASET_SEED = 20250301;
export const DEFAULT_SPLIT_SIZES = { train: 3000, validation: 300, test: 500 } as const;
/** Domains held out per split; the rest train. */
export const HELD_OUT_DOMAINS = { validation: 4, test: 5 } as const;

export type SplitName = 'train' | 'validation' | 'test';

// ---------- rows of one example's database ----------

function sample<T>(random: () => number, items: readonly T[], n: number): T[] {
  return shuffle([...items], random).slice(0, n);
}

function distinctNumbers(random: () => number, n: number, min: number, max: number, int: boolean): number[] {
  const out = new Set<number>();
  // Distinct values keep "above average", ranks and thresholds unambiguous.
  while (out.size < n) {
    const v = int ? min + Math.floor(random() * (max - min + 1)) : Math.round((min + random() * (max - min)) * 100) / 100;
    out.add(v);
  }
  return [...out];
}

const DAY0 = Date.UTC(2023, 0, 1);
function distinctDates(random: () => number, n: number): string[] {
  const days = new Set<number>();
  while (days.size < n) days.add(Math.floor(random() * 730));
  return [...days].map((d) => new Date(DAY0 + d * 86_400_000).toISOString().slice(0, 10));
}

export interface ExampleDatabase {
  g: GroupRow[];
  e: EntityRow[];
  f: EventRow[];
}

/**
 * Rows with the guarantees templates rely on: E has >= 2 categories and a
 * repeated one; the last entity has no events (so LEFT JOIN / NOT IN / EXCEPT
 * questions have answers) while every event points at an existing entity.
 */
export function makeDatabase(d: DomainSpec, random: () => number): ExampleDatabase {
  const nG = 3 + Math.floor(random() * 2);
  const gLabels = sample(random, d.g.labels, nG);
  const gCats = sample(random, d.g.cats, 2 + Math.floor(random() * 2));
  const g = gLabels.map((label, i) => ({ id: i + 1, label, cat: i < gCats.length ? gCats[i] : pick(random, gCats) }));

  const nE = 4 + Math.floor(random() * 3);
  const eLabels = sample(random, d.e.labels, nE);
  const eCats = sample(random, d.e.cats, 2 + Math.floor(random() * 2));
  const eNums = distinctNumbers(random, nE, d.e.min, d.e.max, d.e.int);
  const e = eLabels.map((label, i) => ({
    id: i + 1,
    label,
    cat: i < 2 ? eCats[i] : pick(random, eCats),
    num: eNums[i],
    gid: pick(random, g).id,
  }));

  const nF = 5 + Math.floor(random() * 4);
  const fNums = distinctNumbers(random, nF, d.f.min, d.f.max, d.f.int);
  const dates = distinctDates(random, nF);
  const f = fNums.map((num, i) => ({ id: i + 1, eid: 1 + Math.floor(random() * (nE - 1)), num, date: dates[i] }));
  return { g, e, f };
}

const lit = (v: number, int: boolean): string => (int ? String(v) : v.toFixed(2));

/** CREATE TABLE + INSERT for the tables a query needs, parents first. */
export function renderContext(d: DomainSpec, db: ExampleDatabase, tables: readonly ('g' | 'e' | 'f')[]): string {
  const parts: string[] = [];
  const numType = (int: boolean): string => (int ? 'INTEGER' : 'REAL');
  if (tables.includes('g')) {
    parts.push(`CREATE TABLE ${d.g.table} (${d.g.id} INTEGER PRIMARY KEY, ${d.g.label} TEXT, ${d.g.cat} TEXT);`);
    parts.push(`INSERT INTO ${d.g.table} VALUES ${db.g.map((r) => `(${r.id}, ${str(r.label)}, ${str(r.cat)})`).join(', ')};`);
  }
  if (tables.includes('e')) {
    const e = d.e;
    parts.push(`CREATE TABLE ${e.table} (${e.id} INTEGER PRIMARY KEY, ${e.label} TEXT, ${e.cat} TEXT, ${e.num} ${numType(e.int)}, ${d.g.id} INTEGER);`);
    parts.push(`INSERT INTO ${e.table} VALUES ${db.e.map((r) => `(${r.id}, ${str(r.label)}, ${str(r.cat)}, ${lit(r.num, e.int)}, ${r.gid})`).join(', ')};`);
  }
  if (tables.includes('f')) {
    const f = d.f;
    parts.push(`CREATE TABLE ${f.table} (${f.id} INTEGER PRIMARY KEY, ${d.e.id} INTEGER, ${f.num} ${numType(f.int)}, ${f.date} DATE);`);
    parts.push(`INSERT INTO ${f.table} VALUES ${db.f.map((r) => `(${r.id}, ${r.eid}, ${lit(r.num, f.int)}, ${str(r.date)})`).join(', ')};`);
  }
  return parts.join(' ');
}

// ---------- examples ----------

/** Exact class counts by largest remainder, so every class appears in proportion. */
export function classCounts(total: number): Record<Complexity, number> {
  const raw = COMPLEXITIES.map((c) => total * COMPLEXITY_SHARES[c]);
  const counts = raw.map(Math.floor);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; counts.reduce((s, x) => s + x, 0) < total; k++) counts[order[k % order.length][1]]++;
  return Object.fromEntries(COMPLEXITIES.map((c, i) => [c, counts[i]])) as Record<Complexity, number>;
}

function pickTemplate(random: () => number, templates: Template[]): Template {
  const total = templates.reduce((s, t) => s + t.weight, 0);
  let x = random() * total;
  for (const t of templates) if ((x -= t.weight) < 0) return t;
  return templates[templates.length - 1];
}

export interface GenerateOptions {
  seed: number;
  count: number;
  /** Domain names to draw from; all domains when omitted. */
  domains?: string[];
  /** Domains given whole (the pretraining corpus's procedural ones); replaces `domains`. */
  specs?: DomainSpec[];
  /** id of the first row. */
  firstId?: number;
}

export function generateExamples(options: GenerateOptions): TextToSqlRow[] {
  const random = seededRandom(options.seed);
  const domains = options.specs ?? (options.domains ? options.domains.map(domainByName) : DOMAINS);
  const counts = classCounts(options.count);
  const plan = shuffle(
    COMPLEXITIES.flatMap((c) => Array.from({ length: counts[c] }, () => c)),
    random,
  );
  const byClass = new Map(COMPLEXITIES.map((c) => [c, TEMPLATES.filter((t) => t.complexity === c)]));
  const rows: TextToSqlRow[] = [];
  for (const complexity of plan) {
    const d = pick(random, domains);
    const template = pickTemplate(random, byClass.get(complexity)!);
    // A template may refuse a database that cannot support it; fresh rows always end that.
    for (let attempt = 0; ; attempt++) {
      if (attempt > 50) throw new Error(`template ${template.name} cannot be satisfied in ${d.name}`);
      const db = makeDatabase(d, random);
      const built = template.build({ d, random, ...db });
      if (!built) continue;
      rows.push({
        id: (options.firstId ?? 1) + rows.length,
        domain: d.name,
        domain_description: d.description,
        sql_complexity: complexity,
        sql_complexity_description: COMPLEXITY_DESCRIPTIONS[complexity],
        sql_task_type: template.task,
        sql_task_type_description: TASK_TYPE_DESCRIPTIONS[template.task],
        sql_prompt: built.prompt,
        sql_context: renderContext(d, db, built.tables),
        sql: built.sql,
        sql_explanation: built.explanation,
      });
      break;
    }
  }
  return rows;
}

function domainByName(name: string): DomainSpec {
  const d = DOMAINS.find((x) => x.name === name);
  if (!d) throw new Error(`unknown domain: ${name}`);
  return d;
}

/** Which domains each split draws from: test and validation domains are held out of train. */
export function splitDomains(seed: number): Record<SplitName, string[]> {
  const names = shuffle(
    DOMAINS.map((d) => d.name),
    seededRandom(seed ^ 0x5eed),
  );
  const test = names.slice(0, HELD_OUT_DOMAINS.test);
  const validation = names.slice(HELD_OUT_DOMAINS.test, HELD_OUT_DOMAINS.test + HELD_OUT_DOMAINS.validation);
  const train = names.slice(HELD_OUT_DOMAINS.test + HELD_OUT_DOMAINS.validation);
  return { train: train.sort(), validation: validation.sort(), test: test.sort() };
}

export type DatasetSplits = Record<SplitName, TextToSqlRow[]>;

/** The three splits, ids unique across them (train first, then validation, then test). */
export function generateSplits(
  seed: number = DEFAULT_DATASET_SEED,
  sizes: Record<SplitName, number> = DEFAULT_SPLIT_SIZES,
): DatasetSplits {
  const domains = splitDomains(seed);
  const train = generateExamples({ seed: seed * 3 + 1, count: sizes.train, domains: domains.train, firstId: 1 });
  const validation = generateExamples({ seed: seed * 3 + 2, count: sizes.validation, domains: domains.validation, firstId: 1 + sizes.train });
  const test = generateExamples({ seed: seed * 3 + 3, count: sizes.test, domains: domains.test, firstId: 1 + sizes.train + sizes.validation });
  return { train, validation, test };
}

/**
 * The SELECT that shows the effect of a gold statement, or null when the gold SQL
 * is itself a query. Evaluation compares this SELECT's result after running the
 * gold statement with its result after running the predicted one.
 */
export function checkQuery(sql: string): string | null {
  const s = sql.trim();
  const patterns: RegExp[] = [
    /\bUPDATE\s+(\w+)/i,
    /\bDELETE\s+FROM\s+(\w+)/i,
    /\bINSERT\s+INTO\s+(\w+)/i,
    /^CREATE\s+VIEW\s+(\w+)/i,
    /^CREATE\s+TABLE\s+(\w+)/i,
    /^CREATE\s+INDEX\s+\w+\s+ON\s+(\w+)/i,
    /^ALTER\s+TABLE\s+(\w+)/i,
  ];
  if (/^(SELECT|WITH)\b/i.test(s) && !/\)\s*(UPDATE|DELETE|INSERT)\b/i.test(s)) return null;
  for (const p of patterns) {
    const m = p.exec(s);
    if (m) return `SELECT * FROM ${m[1]};`;
  }
  return null;
}

/** JSON Lines in gretel's column order. */
export function toJsonl(rows: TextToSqlRow[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}
