import type { MetricPoint } from '@api/contract';

/**
 * A run's time series with one training log and one evaluation per step, in step
 * order. A run resumed from a checkpoint trains (and logs) the steps after it again;
 * the later point is the one that counts.
 */
export function onePerStep(points: MetricPoint[]): MetricPoint[] {
  const latest = new Map<string, MetricPoint>();
  for (const p of points) latest.set(`${p.step}:${p.loss === null ? 'eval' : 'log'}`, p);
  return [...latest.values()].sort((a, b) => a.step - b.step);
}
