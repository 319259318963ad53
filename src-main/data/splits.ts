import { ApiError, type SplitRecord, SplitSpec } from '../api/contract';
import { nowIso, type Store } from '../store';
import { type SplitRow, toSplitRecord } from './records';
import { seededRandom, shuffle } from '../train/batching';

/**
 * Named train/validation/test splits. A seeded split is a pure function of the
 * dataset's examples (in dataset order) and the spec, so the same seed gives the same
 * members on any machine; members are stored, so runs and evaluations reuse them
 * even if the algorithm changes later.
 */

export type Part = 'train' | 'validation' | 'test';
const PARTS: Part[] = ['train', 'validation', 'test'];


/**
 * Assign parts to items. Stratified: each stratum is shuffled on its own, then the
 * strata are interleaved in proportion (item k of a stratum of n sits at (k + 0.5) / n),
 * so every prefix of the order - and hence every part - keeps the strata's shares.
 */
export function assignParts<T>(items: T[], stratumOf: ((item: T) => string) | null, counts: Record<Part, number>, seed: number): { item: T; part: Part }[] {
  const random = seededRandom(seed);
  let order: T[];
  if (!stratumOf) {
    order = shuffle([...items], random);
  } else {
    const strata = new Map<string, T[]>();
    for (const item of items) {
      const key = stratumOf(item);
      let list = strata.get(key);
      if (!list) strata.set(key, (list = []));
      list.push(item);
    }
    const keyed: { pos: number; stratum: string; item: T }[] = [];
    for (const stratum of [...strata.keys()].sort()) {
      const list = shuffle(strata.get(stratum)!, random);
      list.forEach((item, k) => keyed.push({ pos: (k + 0.5) / list.length, stratum, item }));
    }
    keyed.sort((a, b) => a.pos - b.pos || (a.stratum < b.stratum ? -1 : a.stratum > b.stratum ? 1 : 0));
    order = keyed.map((k) => k.item);
  }
  const out: { item: T; part: Part }[] = [];
  let at = 0;
  for (const part of PARTS) {
    for (let i = 0; i < counts[part]; i++) out.push({ item: order[at++], part });
  }
  return out;
}

/** Row counts for each part from a spec and the pool size; errors say what does not fit. */
export function partCounts(spec: SplitSpec, pool: number): Record<Part, number> {
  const s = spec.sizes;
  if (spec.unit === 'fraction') {
    const total = s.train + s.validation + s.test;
    if (total > 1 + 1e-9) throw new ApiError('invalid_input', `Split fractions add up to ${total}, more than 1.`);
    const validation = Math.round(s.validation * pool);
    const test = Math.round(s.test * pool);
    // train takes the rounding slack so fractions summing to 1 use every row
    const train = Math.abs(total - 1) < 1e-9 ? pool - validation - test : Math.round(s.train * pool);
    return { train, validation, test };
  }
  for (const p of PARTS) if (!Number.isInteger(s[p])) throw new ApiError('invalid_input', `Split size for ${p} must be a whole number of rows (or use unit "fraction").`);
  const total = s.train + s.validation + s.test;
  if (total > pool) {
    throw new ApiError(
      'invalid_input',
      `The split asks for ${total.toLocaleString('en-US')} rows (${s.train} / ${s.validation} / ${s.test}) but the pool has only ${pool.toLocaleString('en-US')}.`,
    );
  }
  return { train: s.train, validation: s.validation, test: s.test };
}

export function createSplit(store: Store, datasetId: number, options: { name?: string; spec?: Partial<SplitSpec> } = {}): SplitRecord {
  const spec = SplitSpec.parse(options.spec ?? {});
  const db = store.db;
  if (!db.prepare('SELECT 1 FROM datasets WHERE id = ?').get(datasetId)) throw new ApiError('not_found', `No dataset with id ${datasetId}.`);
  const name =
    options.name ??
    (spec.method === 'file' ? 'file splits' : `seed ${spec.seed}: ${spec.sizes.train}/${spec.sizes.validation}/${spec.sizes.test}${spec.unit === 'fraction' ? ' (fractions)' : ''}`);
  if (db.prepare('SELECT 1 FROM splits WHERE dataset_id = ? AND name = ?').get(datasetId, name)) {
    throw new ApiError('conflict', `Dataset ${datasetId} already has a split named "${name}".`);
  }
  const pool = db
    .prepare(`SELECT id, split, complexity FROM examples WHERE dataset_id = ? ${spec.pool === 'all' ? '' : 'AND split = ?'} ORDER BY ord`)
    .all(...(spec.pool === 'all' ? [datasetId] : [datasetId, spec.pool])) as { id: number; split: string; complexity: string | null }[];
  if (!pool.length) throw new ApiError('invalid_input', spec.pool === 'all' ? 'The dataset has no examples.' : `The dataset has no examples in split "${spec.pool}".`);

  let members: { id: number; part: Part }[];
  if (spec.method === 'file') {
    const known = new Set<string>(PARTS);
    const strange = [...new Set(pool.map((p) => p.split))].filter((s) => !known.has(s));
    if (strange.length) throw new ApiError('invalid_input', `The file splits ${strange.join(', ')} are not train/validation/test.`);
    members = pool.map((p) => ({ id: p.id, part: p.split as Part }));
  } else {
    const counts = partCounts(spec, pool.length);
    const stratify = spec.stratify && pool.some((p) => p.complexity !== null);
    members = assignParts(pool, stratify ? (p) => p.complexity ?? '' : null, counts, spec.seed).map(({ item, part }) => ({ id: item.id, part }));
  }
  const id = store.transaction(() => {
    const splitId = Number(db.prepare('INSERT INTO splits (dataset_id, name, spec, created_at) VALUES (?, ?, ?, ?)').run(datasetId, name, JSON.stringify(spec), nowIso()).lastInsertRowid);
    const insert = db.prepare('INSERT INTO split_members (split_id, example_id, part) VALUES (?, ?, ?)');
    for (const m of members) insert.run(splitId, m.id, m.part);
    return splitId;
  });
  return toSplitRecord(store, db.prepare('SELECT * FROM splits WHERE id = ?').get(id) as SplitRow);
}
