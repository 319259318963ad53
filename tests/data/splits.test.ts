import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src-main/api/contract';
import { assignParts, createSplit, getDataset, importDataset, partCounts, seededRandom, splitMembers } from '../../src-main/data';
import { openStore, type Store } from '../../src-main/store';
import { gretelRow, writeJsonl } from './files';

let dir: string;
let store: Store;
let datasetId: number;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sqlora-split-'));
  store = openStore(join(dir, 'store.db'));
  // 9,000 rows: complexity 'aggregation' for every third row (gretelRow's rule), so 1/3 vs 2/3.
  const path = join(dir, 'train.jsonl');
  writeJsonl(path, Array.from({ length: 9000 }, (_, i) => gretelRow(i)));
  datasetId = (await importDataset(store, { files: [{ path }] })).datasetId;
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const ids = (splitId: number, part: 'train' | 'validation' | 'test') => splitMembers(store, splitId, part).map((e) => e.id);

describe('splits', () => {
  it("makes the seed's 5,000 / 750 / 1,000 subsets, disjoint, stratified by complexity", () => {
    const split = createSplit(store, datasetId, { name: 'seed', spec: { seed: 42 } });
    expect(split.counts).toEqual({ train: 5000, validation: 750, test: 1000 });
    expect(split.leakedPrompts).toBe(0);
    const all = [...ids(split.id, 'train'), ...ids(split.id, 'validation'), ...ids(split.id, 'test')];
    expect(new Set(all).size).toBe(6750);
    // each part keeps the dataset's 1/3 share of 'aggregation' to within one row
    for (const [part, n] of [['train', 5000], ['validation', 750], ['test', 1000]] as const) {
      const agg = splitMembers(store, split.id, part).filter((e) => e.complexity === 'aggregation').length;
      expect(Math.abs(agg - n / 3), part).toBeLessThanOrEqual(1);
    }
    expect(getDataset(store, datasetId).savedSplits.map((s) => s.name)).toEqual(['seed']);
  });

  it('is reproducible: the same seed gives the same members in the same order; another seed does not', () => {
    const a = createSplit(store, datasetId, { name: 'a', spec: { seed: 7, sizes: { train: 100, validation: 10, test: 10 } } });
    const b = createSplit(store, datasetId, { name: 'b', spec: { seed: 7, sizes: { train: 100, validation: 10, test: 10 } } });
    const c = createSplit(store, datasetId, { name: 'c', spec: { seed: 8, sizes: { train: 100, validation: 10, test: 10 } } });
    expect(ids(a.id, 'train')).toEqual(ids(b.id, 'train'));
    expect(ids(a.id, 'test')).toEqual(ids(b.id, 'test'));
    expect(ids(c.id, 'train')).not.toEqual(ids(a.id, 'train'));
    // fixed values pin the algorithm (mulberry32 + Fisher-Yates): changing it would silently change users' splits
    expect(Array.from({ length: 3 }, seededRandom(42)).map((x) => x.toFixed(6))).toEqual(['0.601104', '0.448291', '0.852466']);
  });

  it('takes fractions that use every row, and keeps the file splits', () => {
    const f = createSplit(store, datasetId, { spec: { unit: 'fraction', sizes: { train: 0.8, validation: 0.1, test: 0.1 }, stratify: false } });
    expect(f.counts).toEqual({ train: 7200, validation: 900, test: 900 });
    const file = createSplit(store, datasetId, { spec: { method: 'file' } });
    expect(file.counts).toEqual({ train: 9000, validation: 0, test: 0 });
    expect(file.name).toBe('file splits');
  });

  it('refuses sizes larger than the pool and duplicate names', () => {
    expect(() => createSplit(store, datasetId, { name: 'big', spec: { sizes: { train: 9000, validation: 1, test: 0 } } })).toThrow(/asks for 9,001 rows .* only 9,000/);
    expect(() => createSplit(store, datasetId, { name: 'seed' })).toThrow(ApiError);
    expect(() => partCounts({ method: 'seeded', seed: 1, unit: 'fraction', sizes: { train: 0.9, validation: 0.2, test: 0 }, stratify: false, pool: 'all' }, 10)).toThrow(/more than 1/);
  });

  it('interleaves strata in proportion', () => {
    const items = [...Array(6).fill('a'), ...Array(3).fill('b')].map((s, i) => ({ s, i }));
    const parts = assignParts(items, (x) => x.s, { train: 6, validation: 0, test: 3 }, 1);
    expect(parts.filter((p) => p.part === 'test').map((p) => p.item.s).sort()).toEqual(['a', 'a', 'b']);
  });
});
