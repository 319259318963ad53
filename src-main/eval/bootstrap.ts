import { seededRandom } from '../train/batching';

/**
 * Percentile bootstrap intervals, seeded so an evaluation's intervals are the same
 * every time it is scored (and in tests).
 */

/** numpy's default (linear) percentile of sorted values, q in [0, 1]. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Every statistic is evaluated on the same `resamples` resamples (n indices drawn with
 * replacement each); returns each one's [low, high] at `level`.
 */
export function bootstrapIntervals<K extends string>(
  n: number,
  statistics: Record<K, (indices: Uint32Array) => number>,
  options: { resamples?: number; level?: number; seed?: number } = {},
): Record<K, [number, number]> {
  const { resamples = 1000, level = 0.95, seed = 42 } = options;
  const next = seededRandom(seed);
  const names = Object.keys(statistics) as K[];
  const values = names.map(() => new Float64Array(resamples));
  const indices = new Uint32Array(n);
  for (let b = 0; b < resamples && n > 0; b++) {
    for (let k = 0; k < n; k++) indices[k] = Math.floor(next() * n);
    names.forEach((name, j) => (values[j][b] = statistics[name](indices)));
  }
  const out = {} as Record<K, [number, number]>;
  names.forEach((name, j) => {
    const sorted = values[j].sort();
    out[name] = [quantile(sorted, (1 - level) / 2), quantile(sorted, 1 - (1 - level) / 2)];
  });
  return out;
}
