import type { Distribution, EdaView, EdaViewName, Histogram, SummaryStats } from '../api/contract';
import { contextTables, sqlKeywords } from './sql-text';
import { ValidityChecker } from './validity';

/**
 * The seed's twelve EDA views over a whole dataset, as plain numbers (counts,
 * histograms, box-plot statistics, heatmap matrix, scatter points) that a chart - or
 * a test - reads directly. Three passes over the rows: the cheap views first, then SQL
 * validity (SQLite per row), then token counts (the tokenizer), so callers can show
 * and store each group as soon as it is ready.
 */

export interface EdaRow {
  ord: number;
  prompt: string;
  context: string;
  sql: string;
  domain: string | null;
  complexity: string | null;
  taskType: string | null;
}

/** Counts tokens of each text (the model's tokenizer; tests pass a whitespace counter). */
export type CountTokens = (texts: string[]) => number[] | Promise<number[]>;

/** Rows in pages; called once per pass, so it must be re-iterable. */
export type RowSource = () => AsyncIterable<EdaRow[]> | Iterable<EdaRow[]>;

export type EdaViews = Partial<Record<EdaViewName, EdaView>>;

export interface EdaOptions {
  countTokens?: CountTokens;
  tokenizerName?: string;
  /** Training max length the token view compares against (the seed's 512). */
  maxLength?: number;
  /** Run every gold query in SQLite (default true). */
  validity?: boolean;
  /** Row count, for progress. */
  total?: number;
  signal?: AbortSignal;
  progress?(fraction: number, message: string): void;
  /** Called with each group of finished views. */
  onViews?(views: EdaViews): void | Promise<void>;
}

/** The seed's prompt template without its fields, plus Gemma's chat markup (11 tokens: bos, turn markers, role names, newlines). */
export const TEMPLATE_TEXT = 'Generate the SQL query for the following request based on the provided context.\n\nRequest: \n\nDatabase Context:\nSQL: ';
export const CHAT_MARKUP_TOKENS = 11;

// ---------------------------------------------------------------- statistics

/** Quantile with linear interpolation between closest ranks (numpy's default). */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

const sortedCopy = (values: number[]): Float64Array => Float64Array.from(values).sort();

export function summaryStats(values: number[]): SummaryStats | null {
  if (!values.length) return null;
  const s = sortedCopy(values);
  let sum = 0;
  for (const v of s) sum += v;
  return {
    count: s.length,
    min: s[0],
    q1: quantile(s, 0.25),
    median: quantile(s, 0.5),
    q3: quantile(s, 0.75),
    max: s[s.length - 1],
    mean: sum / s.length,
    p95: quantile(s, 0.95),
  };
}

/** Integer-width bins from the minimum, at most maxBins of them. */
export function integerHistogram(values: number[], maxBins = 40): Histogram {
  if (!values.length) return { binEdges: [], counts: [] };
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const width = Math.max(1, Math.ceil((max - min + 1) / maxBins));
  const bins = Math.ceil((max - min + 1) / width);
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.floor((v - min) / width)]++;
  return { binEdges: Array.from({ length: bins + 1 }, (_, k) => min + k * width), counts };
}

const distribution = (name: string, values: number[]): Distribution => ({ name, stats: summaryStats(values), histogram: integerHistogram(values) });

function countsView(counter: Map<string, number>, total: number, missing: number, top: number): EdaView {
  const items = [...counter.entries()].map(([label, count]) => ({ label, count })).sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : 1));
  const shown = items.slice(0, top);
  return { kind: 'counts', total, missing, distinct: items.length, items: shown, other: items.slice(top).reduce((s, i) => s + i.count, 0) };
}

function boxGroup(label: string, values: number[]) {
  const st = summaryStats(values)!;
  const iqr = st.q3 - st.q1;
  const lowFence = st.q1 - 1.5 * iqr;
  const highFence = st.q3 + 1.5 * iqr;
  let whiskerLow = Infinity;
  let whiskerHigh = -Infinity;
  let outliers = 0;
  for (const v of values) {
    if (v < lowFence || v > highFence) outliers++;
    else {
      if (v < whiskerLow) whiskerLow = v;
      if (v > whiskerHigh) whiskerHigh = v;
    }
  }
  return { label, ...st, whiskerLow, whiskerHigh, outliers };
}

const bump = (m: Map<string, number>, key: string, by = 1) => m.set(key, (m.get(key) ?? 0) + by);
const NONE = '(none)';

async function* pagesOf(source: RowSource): AsyncGenerator<EdaRow[]> {
  for await (const page of source() as AsyncIterable<EdaRow[]>) yield page;
}

const checkCancel = (signal?: AbortSignal) => {
  if (signal?.aborted) throw signal.reason ?? new Error('Cancelled');
};

// ---------------------------------------------------------------- the views

export async function computeEda(source: RowSource, options: EdaOptions = {}): Promise<EdaViews> {
  const total = options.total ?? 0;
  const withValidity = options.validity ?? true;
  const weights = { basic: 0.1, validity: withValidity ? (options.countTokens ? 0.45 : 0.9) : 0, tokens: options.countTokens ? (withValidity ? 0.45 : 0.9) : 0 };
  const report = (base: number, weight: number, done: number, message: string) =>
    options.progress?.(Math.min(1, base + (total ? (weight * done) / total : 0)), message);
  const views: EdaViews = {};

  // Pass 1: distributions, keywords, schema shape, scatter.
  const domains = new Map<string, number>();
  const complexities = new Map<string, number>();
  const tasks = new Map<string, number>();
  const cross = new Map<string, Map<string, number>>();
  const keywordCounts = new Map<string, number>();
  const kwByComplexity = new Map<string, number[]>();
  const scatter = new Map<string, Map<string, number>>();
  const promptChars: number[] = [];
  const sqlChars: number[] = [];
  const contextChars: number[] = [];
  const tablesPer: number[] = [];
  const columnsPer: number[] = [];
  const missing = { domain: 0, complexity: 0, taskType: 0 };
  let rows = 0;
  for await (const page of pagesOf(source)) {
    checkCancel(options.signal);
    for (const r of page) {
      rows++;
      if (r.domain === null) missing.domain++;
      else bump(domains, r.domain);
      if (r.complexity === null) missing.complexity++;
      else bump(complexities, r.complexity);
      if (r.taskType === null) missing.taskType++;
      else bump(tasks, r.taskType);
      const d = r.domain ?? NONE;
      const c = r.complexity ?? NONE;
      let row = cross.get(d);
      if (!row) cross.set(d, (row = new Map()));
      bump(row, c);

      promptChars.push(r.prompt.length);
      sqlChars.push(r.sql.length);
      contextChars.push(r.context.length);
      const kws = sqlKeywords(r.sql);
      for (const k of kws) bump(keywordCounts, k);
      let list = kwByComplexity.get(c);
      if (!list) kwByComplexity.set(c, (list = []));
      list.push(kws.length);
      let points = scatter.get(c);
      if (!points) scatter.set(c, (points = new Map()));
      bump(points, `${r.prompt.length},${kws.length}`);

      const tables = contextTables(r.context);
      tablesPer.push(tables.length);
      columnsPer.push(tables.reduce((s, t) => s + t.columns, 0));
    }
    report(0, weights.basic, rows, `Counting: ${rows.toLocaleString('en-US')} rows`);
  }
  const domainView = countsView(domains, rows, missing.domain, 20);
  const complexityView = countsView(complexities, rows, missing.complexity, 50);
  views.domain = domainView;
  views.complexity = complexityView;
  views.taskType = countsView(tasks, rows, missing.taskType, 50);
  const heatRows = domainView.kind === 'counts' ? domainView.items.map((i) => i.label) : [];
  const complexityLabels = complexityView.kind === 'counts' ? complexityView.items.map((i) => i.label) : [];
  if (missing.complexity) complexityLabels.push(NONE);
  views.domainComplexity = {
    kind: 'heatmap',
    rows: heatRows,
    columns: complexityLabels,
    matrix: heatRows.map((d) => complexityLabels.map((c) => cross.get(d)?.get(c) ?? 0)),
  };
  views.lengths = {
    kind: 'distributions',
    unit: 'characters',
    series: [distribution('prompt', promptChars), distribution('sql', sqlChars), distribution('context', contextChars)],
  };
  views.keywords = countsView(keywordCounts, [...keywordCounts.values()].reduce((s, n) => s + n, 0), 0, 30);
  const groupOrder = [...complexityLabels.filter((l) => kwByComplexity.has(l))];
  views.keywordsByComplexity = { kind: 'boxplot', unit: 'SQL keywords per query', groups: groupOrder.map((l) => boxGroup(l, kwByComplexity.get(l)!)) };
  views.tablesPerContext = { kind: 'distributions', unit: 'tables', series: [distribution('tables per context', tablesPer)] };
  views.columnsPerContext = { kind: 'distributions', unit: 'columns', series: [distribution('columns per context', columnsPer)] };
  views.promptVsKeywords = {
    kind: 'scatter',
    x: 'prompt length (characters)',
    y: 'SQL keywords',
    groups: groupOrder.map((label) => ({
      label,
      points: [...scatter.get(label)!.entries()]
        .map(([key, n]) => {
          const [x, y] = key.split(',').map(Number);
          return [x, y, n] as [number, number, number];
        })
        .sort((a, b) => a[0] - b[0] || a[1] - b[1]),
    })),
  };
  await options.onViews?.({ ...views });

  // Pass 2: does each gold query run against its context in SQLite?
  if (withValidity) {
    const checker = await ValidityChecker.create();
    let checked = 0;
    let valid = 0;
    let skipped = 0;
    let contextErrors = 0;
    let nonDeterministic = 0;
    let seen = 0;
    const reasons = new Map<string, { count: number; examples: { ord: number; error: string }[] }>();
    for await (const page of pagesOf(source)) {
      checkCancel(options.signal);
      for (const r of page) {
        seen++;
        const res = checker.check(r.context, r.sql);
        if (res.status === 'skipped') skipped++;
        else checked++;
        if (res.status === 'valid') {
          valid++;
          if (res.nonDeterministic) nonDeterministic++;
        }
        if (res.status === 'context_error') contextErrors++;
        if (res.reason) {
          let entry = reasons.get(res.reason);
          if (!entry) reasons.set(res.reason, (entry = { count: 0, examples: [] }));
          entry.count++;
          if (entry.examples.length < 5) entry.examples.push({ ord: r.ord, error: res.error ?? res.reason });
        }
      }
      report(weights.basic, weights.validity, seen, `SQL validity: ${seen.toLocaleString('en-US')} queries run`);
      // Let cancel requests and progress events through between pages.
      await new Promise((resolve) => setImmediate(resolve));
    }
    views.sqlValidity = {
      kind: 'validity',
      total: seen,
      checked,
      valid,
      share: checked ? valid / checked : 0,
      skipped,
      contextErrors,
      nonDeterministic,
      reasons: [...reasons.entries()].map(([reason, e]) => ({ reason, ...e })).sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1)),
    };
    await options.onViews?.({ sqlValidity: views.sqlValidity });
  }

  // Pass 3: token counts with the model's tokenizer.
  if (options.countTokens) {
    const count = options.countTokens;
    const maxLength = options.maxLength ?? 512;
    const templateTokens = (await count([TEMPLATE_TEXT]))[0] + CHAT_MARKUP_TOKENS;
    const prompt: number[] = [];
    const sql: number[] = [];
    const context: number[] = [];
    const both: number[] = [];
    let over = 0;
    let seen = 0;
    for await (const page of pagesOf(source)) {
      checkCancel(options.signal);
      const p = await count(page.map((r) => r.prompt));
      const s = await count(page.map((r) => r.sql));
      const c = await count(page.map((r) => r.context));
      for (let i = 0; i < page.length; i++) {
        prompt.push(p[i]);
        sql.push(s[i]);
        context.push(c[i]);
        both.push(p[i] + c[i]);
        if (templateTokens + p[i] + c[i] + s[i] > maxLength) over++;
      }
      seen += page.length;
      report(weights.basic + weights.validity, weights.tokens, seen, `Tokens: ${seen.toLocaleString('en-US')} rows`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    views.tokens = {
      kind: 'tokens',
      tokenizer: options.tokenizerName ?? 'custom',
      maxLength,
      templateTokens,
      series: [distribution('prompt', prompt), distribution('sql', sql), distribution('context', context), distribution('prompt+context', both)],
      overMaxLength: { count: over, share: seen ? over / seen : 0 },
    };
    await options.onViews?.({ tokens: views.tokens });
  }
  options.progress?.(1, 'EDA done');
  return views;
}
