import { generateExamples } from '../defaults/dataset-generator';
import { SqlSandbox } from '../eval';
import { scorePredictions, type ScoreExample } from '../eval/score';

/**
 * `npm run bench:eval`: examples scored per second - extraction, every metric with its
 * bootstrap interval, execution of gold and prediction in the sandbox, comparison and
 * tagging - over generated gretel-style examples (the default dataset's generator:
 * 2-3 tables of a few rows built by CREATE + INSERT, SELECT and DML gold). The
 * predictions mix every path: right, fenced with prose, subtly changed, broken, a
 * wrong table name, trailing into Tamil.
 * Per second of wall time, and per second of CPU time of the whole process (main
 * thread and sandbox workers together): the latter is the one-core figure, and
 * holds when other work shares the machine.
 */
const predictions: ((sql: string) => string)[] = [
  (sql) => `SQL: ${sql}`,
  (sql) => `\`\`\`sql\n${sql}\n\`\`\`\nThis query answers the question.`,
  (sql) => sql.replace(/\b\d+(\.\d+)?\b/, (n) => String(Number(n) + 1)),
  (sql) => sql.replace(/\bFROM\b/i, 'FORM'),
  (sql) => sql.replace(/\b(FROM|INTO|UPDATE)\s+(\w+)/i, '$1 $2_old'),
  (sql) => `${sql} இது ஒரு கேள்வி`,
  (sql) => sql.replace(/^[\s\S]*?\b(?:FROM|INTO|UPDATE)\s+(\w+)[\s\S]*$/i, 'SELECT * FROM $1'),
];

export async function benchEval(count = 1000): Promise<Record<string, number | string>> {
  const rows = generateExamples({ seed: 99, count });
  const outputs = rows.map((r, i) => predictions[i % predictions.length](r.sql));
  const examples: ScoreExample[] = rows.map((r) => ({ gold: r.sql, context: r.sql_context, complexity: r.sql_complexity, taskType: r.sql_task_type, domain: r.domain }));
  const timeIt = async (of: ScoreExample[], sandbox?: SqlSandbox) => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const { summary } = await scorePredictions(of, outputs, { extraction: 'seed', sandbox });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { perS: count / seconds, perCpuS: count / ((cpu.user + cpu.system) / 1e6), summary };
  };
  const best = async (runs: number, f: () => Promise<Awaited<ReturnType<typeof timeIt>>>) => {
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await f());
    return results.reduce((a, b) => (b.perS > a.perS ? b : a));
  };

  const text = await best(3, () => timeIt(examples.map((e) => ({ ...e, context: null }))));
  const startT0 = performance.now();
  const one = new SqlSandbox({ workers: 1 });
  await one.warmUp();
  const workerStartMs = performance.now() - startT0;
  const single = await best(3, () => timeIt(examples, one));
  await one.close();
  const pool = new SqlSandbox({ workers: 2 });
  await pool.warmUp();
  const pooled = await best(3, () => timeIt(examples, pool));
  await pool.close();

  const round = (x: number) => Math.round(x);
  const s = single.summary;
  return {
    examples: count,
    textMetricsPerS: round(text.perS),
    scoringPerS1Worker: round(single.perS),
    scoringPerCpuS1Worker: round(single.perCpuS),
    scoringPerS2Workers: round(pooled.perS),
    scoringPerCpuS2Workers: round(pooled.perCpuS),
    workerStartMs: round(workerStartMs),
    executionAccuracy: s.execution.accuracy === null ? '-' : s.execution.accuracy.toFixed(3),
    outcomes: Object.entries(s.outcomes).map(([k, n]) => `${k} ${n}`).join(', '),
  };
}
