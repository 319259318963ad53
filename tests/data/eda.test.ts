import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EDA_VIEWS, EdaView } from '../../src-main/api/contract';
import { computeEda, contextTables, type EdaRow, importDataset, loadViews, quantile, runDatasetEda, sqlKeywords, viewToCsv } from '../../src-main/data';
import { TEMPLATE_TEXT } from '../../src-main/data/eda';
import { openStore } from '../../src-main/store';
import { writeJsonl } from './files';

/** Five rows whose every EDA number is worked out by hand in the comments below. */
const ROWS: Omit<EdaRow, 'ord'>[] = [
  { domain: 'a', complexity: 'basic', taskType: 'q', prompt: 'ab', context: 'CREATE TABLE t (x INT, y TEXT);', sql: 'SELECT x FROM t' },
  {
    domain: 'a',
    complexity: 'join',
    taskType: 'q',
    prompt: 'abcd',
    context: 'CREATE TABLE t (x INT, PRIMARY KEY (x)); CREATE TABLE u (x INT, z INT, w INT);',
    sql: 'SELECT t.x FROM t JOIN u ON t.x = u.x WHERE u.z > 1',
  },
  { domain: 'b', complexity: 'basic', taskType: 'dml', prompt: 'abcdef', context: 'CREATE TABLE t (x INT);', sql: 'SELECT DATE_SUB(x, INTERVAL 1 DAY) FROM t' },
  { domain: null, complexity: null, taskType: null, prompt: 'x', context: '', sql: 'SELECT 1' },
  { domain: 'b', complexity: 'basic', taskType: 'q', prompt: 'ab', context: 'CREATE TABLE t (x INT);', sql: "SELECT COUNT(*) FROM missing_table WHERE n = 'FROM'" },
];
const rows: EdaRow[] = ROWS.map((r, ord) => ({ ord, ...r }));
const whitespace = (texts: string[]) => texts.map((t) => t.split(/\s+/).filter(Boolean).length);

describe('EDA numbers on a small known dataset', () => {
  it('computes all twelve views as hand-computed', async () => {
    const seen: string[][] = [];
    const views = await computeEda(() => [rows.slice(0, 2), rows.slice(2)], {
      countTokens: whitespace,
      tokenizerName: 'whitespace',
      maxLength: 40,
      onViews: (v) => void seen.push(Object.keys(v)),
    });
    expect(Object.keys(views).sort()).toEqual(
      ['columnsPerContext', 'complexity', 'domain', 'domainComplexity', 'keywords', 'keywordsByComplexity', 'lengths', 'promptVsKeywords', 'sqlValidity', 'taskType', 'tablesPerContext', 'tokens'].sort(),
    );
    // the cheap views arrive first, then validity, then tokens
    expect(seen.map((s) => s.length)).toEqual([10, 1, 1]);
    for (const v of Object.values(views)) expect(EdaView.safeParse(v).success).toBe(true);

    expect(views.domain).toEqual({ kind: 'counts', total: 5, missing: 1, distinct: 2, items: [{ label: 'a', count: 2 }, { label: 'b', count: 2 }], other: 0 });
    expect(views.complexity).toMatchObject({ missing: 1, items: [{ label: 'basic', count: 3 }, { label: 'join', count: 1 }] });
    expect(views.taskType).toMatchObject({ items: [{ label: 'q', count: 3 }, { label: 'dml', count: 1 }] });
    expect(views.domainComplexity).toEqual({ kind: 'heatmap', rows: ['a', 'b'], columns: ['basic', 'join', '(none)'], matrix: [[1, 1, 0], [2, 0, 0]] });

    // prompt lengths 2,4,6,1,2 -> sorted 1,2,2,4,6
    const lengths = views.lengths!;
    if (lengths.kind !== 'distributions') throw new Error();
    expect(lengths.series[0].stats).toEqual({ count: 5, min: 1, q1: 2, median: 2, q3: 4, max: 6, mean: 3, p95: 5.6 });
    expect(lengths.series[0].histogram).toEqual({ binEdges: [1, 2, 3, 4, 5, 6, 7], counts: [1, 2, 0, 1, 0, 1] });

    // keywords per query: 2, 5 (SELECT FROM JOIN ON WHERE), 4 (SELECT DATE_SUB INTERVAL FROM), 1, 4 (SELECT COUNT FROM WHERE; 'FROM' in a string is not one)
    expect(views.keywords).toMatchObject({ total: 16, items: [
        { label: 'SELECT', count: 5 },
        { label: 'FROM', count: 4 },
        { label: 'WHERE', count: 2 },
        ...['COUNT', 'DATE_SUB', 'INTERVAL', 'JOIN', 'ON'].map((label) => ({ label, count: 1 })),
      ],
    });
    expect(views.keywordsByComplexity).toMatchObject({
      groups: [
        { label: 'basic', count: 3, min: 2, q1: 3, median: 4, q3: 4, max: 4, mean: 10 / 3, whiskerLow: 2, whiskerHigh: 4, outliers: 0 },
        { label: 'join', count: 1, median: 5 },
        { label: '(none)', count: 1, median: 1 },
      ],
    });
    expect(views.tablesPerContext).toMatchObject({ series: [{ stats: { min: 0, max: 2, mean: 1 }, histogram: { binEdges: [0, 1, 2, 3], counts: [1, 3, 1] } }] });
    // columns: 2, 1 + 3 (PRIMARY KEY is a constraint), 1, 0, 1
    expect(views.columnsPerContext).toMatchObject({ series: [{ stats: { min: 0, max: 4, mean: 1.6, median: 1 } }] });

    expect(views.sqlValidity).toMatchObject({ total: 5, checked: 5, valid: 3, share: 0.6, skipped: 0, contextErrors: 0 });
    const validity = views.sqlValidity!;
    if (validity.kind !== 'validity') throw new Error();
    expect(validity.reasons.map((r) => [r.reason, r.count, r.examples.map((e) => e.ord)])).toEqual([
      ['no such table', 1, [4]],
      ['syntax error: INTERVAL date arithmetic (MySQL/PostgreSQL)', 1, [2]],
    ]);

    const tokens = views.tokens!;
    if (tokens.kind !== 'tokens') throw new Error();
    expect(tokens.templateTokens).toBe(whitespace([TEMPLATE_TEXT])[0] + 11);
    expect(tokens.series.map((s) => s.name)).toEqual(['prompt', 'sql', 'context', 'prompt+context']);
    // SQL words: 4, 14, 7, 2, 8
    expect(tokens.series[1].stats).toMatchObject({ min: 2, max: 14, median: 7, mean: 7 });
    // template (17 words + 11 markup) + prompt 1 + context + SQL: 39, 60, 41, 31, 42 -> three rows over 40
    expect(tokens.templateTokens).toBe(28);
    expect(tokens.series[3].stats).toMatchObject({ min: 1, max: 18, median: 6 }); // prompt+context: 7, 18, 6, 1, 6
    expect(tokens.overMaxLength).toEqual({ count: 3, share: 0.6 });

    expect(views.promptVsKeywords).toEqual({
      kind: 'scatter',
      x: 'prompt length (characters)',
      y: 'SQL keywords',
      groups: [
        { label: 'basic', points: [[2, 2, 1], [2, 4, 1], [6, 4, 1]] },
        { label: 'join', points: [[4, 5, 1]] },
        { label: '(none)', points: [[1, 1, 1]] },
      ],
    });

    // the same numbers as CSV, for export
    expect(viewToCsv(views.domain!)).toBe('label,count\na,2\nb,2\n(missing),1\n');
    expect(viewToCsv(views.domainComplexity!)).toBe(',basic,join,(none)\na,1,1,0\nb,2,0,0\n');
    expect(viewToCsv(views.sqlValidity!).split('\n')[2]).toBe('no such table,1,4');
  });

  it('leaves the token view out without a counter, and the validity view out when asked', async () => {
    const views = await computeEda(() => [rows], { validity: false });
    expect(views.tokens).toBeUndefined();
    expect(views.sqlValidity).toBeUndefined();
    expect(views.domain).toBeDefined();
  });

  it('helpers: quantiles, keywords outside strings and comments, columns without constraints', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(sqlKeywords("select a -- FROM\nfrom t where b = 'JOIN' /* ON */")).toEqual(['SELECT', 'FROM', 'WHERE']);
    expect(contextTables('CREATE TABLE a (x INT, y DECIMAL(10,2), FOREIGN KEY (x) REFERENCES b(x)); create temp table b(x int); CREATE TABLE c AS SELECT 1;')).toEqual([
      { columns: 2 },
      { columns: 1 },
      { columns: 0 },
    ]);
  });

  it('runs over a stored dataset and caches the views in eda_results', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sqlora-eda-'));
    const store = openStore(join(dir, 'store.db'));
    try {
      const path = join(dir, 'small.jsonl');
      // an empty context is refused on import, so row 4 gets one here
      writeJsonl(path, ROWS.map((r) => ({ q: r.prompt, c: r.context || 'CREATE TABLE z (a INT);', s: r.sql, d: r.domain, x: r.complexity, t: r.taskType })));
      const { datasetId } = await importDataset(store, { files: [{ path }], mapping: { prompt: 'q', context: 'c', sql: 's', domain: 'd', complexity: 'x', taskType: 't' } });
      const progress: number[] = [];
      await runDatasetEda(store, datasetId, { countTokens: whitespace, progress: (f) => progress.push(f) });
      const { views, computedAt } = loadViews(store, datasetId);
      expect(computedAt).not.toBeNull();
      expect(Object.keys(views)).toEqual([...EDA_VIEWS]); // in the seed's order
      expect(views.domain).toMatchObject({ total: 5, missing: 1 });
      expect(views.sqlValidity).toMatchObject({ valid: 3, checked: 5 });
      expect(progress.at(-1)).toBe(1);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
