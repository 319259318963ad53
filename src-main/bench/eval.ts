import { generateExamples } from '../defaults/dataset-generator';
import { SqlSandbox } from '../eval';
import { scorePredictions } from '../eval/score';

/**
 * `npm run bench:eval`: examples scored per second - text metrics alone, then with
 * execution in the sandbox on one worker and on a pool - over generated
 * gretel-style examples whose predictions are the gold SQL with one in three
 * perturbed (so every outcome path runs).
 */
export async function benchEval(count = 1000): Promise<Record<string, number | string>> {
  const rows = generateExamples({ seed: 99, count });
  const outputs = rows.map((r, i) => (i % 3 === 0 ? r.sql.replace(/SELECT/i, 'SELECT DISTINCT') : `SQL: ${r.sql}`));
  const timeIt = async (examples: { gold: string; context: string | null }[], sandbox?: SqlSandbox) => {
    const t0 = performance.now();
    const { summary } = await scorePredictions(examples, outputs, { extraction: 'seed', sandbox });
    return { perS: count / ((performance.now() - t0) / 1000), accuracy: summary.execution.accuracy };
  };
  const text = await timeIt(rows.map((r) => ({ gold: r.sql, context: null })));
  const one = new SqlSandbox({ workers: 1 });
  const single = await timeIt(rows.map((r) => ({ gold: r.sql, context: r.sql_context })), one);
  await one.close();
  const pool = new SqlSandbox({ workers: 2 });
  const pooled = await timeIt(rows.map((r) => ({ gold: r.sql, context: r.sql_context })), pool);
  await pool.close();
  const round = (x: number) => Math.round(x);
  return {
    examples: count,
    textMetricsPerS: round(text.perS),
    executionPerS1Worker: round(single.perS),
    executionPerS2Workers: round(pooled.perS),
    poolSpeedup: Math.round((pooled.perS / single.perS) * 100) / 100,
    executionAccuracy: pooled.accuracy === null ? '-' : pooled.accuracy.toFixed(3),
  };
}
