import { bootstrapIntervals } from './bootstrap';
import { classifyGold, type ExecutionOutcome, executionOutcome, type GoldStatus, goldShape } from './execution';
import { extractSql, hasNonLatinText, type OutputIssue, seedExtract } from './extract';
import { bleuFromStats, type BleuStats, bleuStats, exactMatch, rouge, type RougeScores } from './metrics';
import { type SandboxResult, SqlSandbox } from './sandbox';

/**
 * Scoring a list of predictions against gold SQL: the seed's text metrics on the
 * seed's extraction, execution accuracy on the cleaned statements run in the sandbox,
 * one outcome and the error tags of every prediction, seeded bootstrap intervals and
 * breakdowns by complexity, task type and domain.
 */

export interface ScoreExample {
  gold: string;
  /** CREATE/INSERT statements the SQL runs against; null: execution is not scored. */
  context: string | null;
  complexity?: string | null;
  taskType?: string | null;
  domain?: string | null;
}

/**
 * Why an example failed; every example that is not execution-correct gets each tag
 * whose rule holds:
 * - non_english: letters of a non-Latin script outside quoted text in the raw output;
 * - fenced: the output used a Markdown ``` code fence;
 * - empty: no SQL is left after extraction;
 * - truncated: generation stopped at the max-new-tokens limit, not at end of turn;
 * - syntax_error / unknown_table / unknown_column / runtime_error / timeout / refused:
 *   how the predicted SQL failed in the sandbox (detail: the SQLite message, or the
 *   identifier SQLite could not find);
 * - wrong_statement_type: it ran, but the gold reads and no predicted statement
 *   returns rows, or the gold changes data and the prediction does not;
 * - wrong_result: it ran, the statement type fits, the rows or final state differ;
 * - gold_invalid: the gold SQL cannot be a reference (set aside, not counted).
 */
export type ErrorTag = 'non_english' | 'fenced' | 'truncated' | 'gold_invalid' | Exclude<ExecutionOutcome, 'correct' | 'not_scored'>;

const EXECUTION_TAGS = new Set<ExecutionOutcome>(['syntax_error', 'unknown_table', 'unknown_column', 'runtime_error', 'timeout', 'refused', 'wrong_statement_type', 'wrong_result']);

export interface ScoredPrediction {
  index: number;
  /** What the model wrote. */
  output: string;
  /** The seed's extraction (text metrics use it). */
  extracted: string;
  /** The statements that were executed, joined with `;`. */
  executedSql: string;
  statements: number;
  issues: OutputIssue[];
  exactMatch: boolean;
  rouge: RougeScores;
  outcome: ExecutionOutcome;
  tags: ErrorTag[];
  /** The unknown table or column, the SQLite message, or why the statement type is wrong. */
  detail: string | null;
  truncated: boolean;
  goldStatus: GoldStatus | null;
  goldReason: string | null;
  error: string | null;
  predictedRows: unknown[][] | null;
  goldRows: unknown[][] | null;
}

/** [low, high] of a 95% percentile bootstrap interval. */
export type Interval = [number, number];

export interface ScoreIntervals {
  level: number;
  resamples: number;
  seed: number;
  bleu: Interval;
  rouge1: Interval;
  rouge2: Interval;
  rougeL: Interval;
  rougeLsum: Interval;
  exactMatch: Interval;
  /** Over the scored examples; null when none was scored. */
  executionAccuracy: Interval | null;
}

export interface GroupScores {
  count: number;
  bleu: number;
  rougeL: number;
  exactMatch: number;
  correct: number;
  scored: number;
  accuracy: number | null;
}

export interface ScoreSummary {
  n: number;
  bleu: number;
  rouge1: number;
  rouge2: number;
  rougeL: number;
  rougeLsum: number;
  exactMatch: number;
  execution: {
    /** Correct / scored; null when no example has a context. */
    accuracy: number | null;
    correct: number;
    scored: number;
    /** Gold queries set aside, by reason (never counted against the model). */
    excludedGold: Partial<Record<Exclude<GoldStatus, 'ok'>, number>>;
    withoutContext: number;
  };
  outcomes: Partial<Record<ExecutionOutcome, number>>;
  issues: Partial<Record<OutputIssue, number>>;
  /** Execution accuracy per complexity class ('unknown' without one). */
  byComplexity: Record<string, { correct: number; scored: number }>;
  intervals: ScoreIntervals | null;
  /** The main metrics per complexity, task type and domain, for those the examples have. */
  breakdown: { complexity?: Record<string, GroupScores>; taskType?: Record<string, GroupScores>; domain?: Record<string, GroupScores> };
  /** Examples per error tag. */
  tags: Partial<Record<ErrorTag, number>>;
  /** Examples per error tag and complexity (tag -> complexity -> count), when the examples have a complexity. */
  tagsByComplexity?: Record<string, Record<string, number>>;
}

export interface ScoreOptions {
  /** 'seed': outputs are raw model text (apply the seed's extraction); 'none': already SQL. */
  extraction: 'seed' | 'none';
  sandbox?: SqlSandbox;
  /** Per output: generation stopped at max new tokens. */
  truncated?: boolean[];
  /** Bootstrap resamples for the intervals (default 1000; 0: none). */
  resamples?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

const count = <K extends string>(items: K[]): Partial<Record<K, number>> => {
  const out: Partial<Record<K, number>> = {};
  for (const k of items) out[k] = (out[k] ?? 0) + 1;
  return out;
};

const BOOTSTRAP_SEED = 42;
const UNKNOWN = 'unknown';

export async function scorePredictions(examples: ScoreExample[], outputs: string[], options: ScoreOptions): Promise<{ rows: ScoredPrediction[]; summary: ScoreSummary }> {
  if (examples.length !== outputs.length) throw new Error(`${outputs.length} predictions for ${examples.length} examples`);
  const executes = examples.some((e) => e.context !== null);
  const sandbox = executes ? (options.sandbox ?? new SqlSandbox()) : null;
  const owned = executes && !options.sandbox;
  try {
    const extracted = outputs.map((output) => (options.extraction === 'seed' ? seedExtract(output) : output.trim()));
    const clean = extracted.map((e) => extractSql(e));
    const shapes = examples.map((ex) => (ex.context === null ? null : goldShape(ex.gold)));
    // All units are queued at once: the pool hands them to its workers in batches.
    let done = 0;
    const executions = examples.map(async (ex, i): Promise<[SandboxResult, SandboxResult | null] | null> => {
      if (!sandbox || ex.context === null || options.signal?.aborted) return null;
      // Gold that changes data is judged by the state it leaves; so is the prediction then.
      const wantState = shapes[i]!.changesData;
      const pair = await Promise.all([sandbox.run(ex.context, ex.gold, { wantState }), clean[i].sql ? sandbox.run(ex.context, clean[i].sql, { wantState }) : Promise.resolve(null)]);
      options.onProgress?.(++done, examples.length);
      return pair;
    });
    // Text metrics while the workers execute; yielding now and then lets the pool read
    // answers and send the next batch instead of idling until this loop ends.
    const stats: BleuStats[] = [];
    const text: { rouge: RougeScores; exactMatch: boolean }[] = [];
    for (let i = 0; i < examples.length; i++) {
      // As the seed measured it: on the extraction, fences and all.
      stats.push(bleuStats(extracted[i], [examples[i].gold]));
      text.push({ rouge: rouge(extracted[i], examples[i].gold), exactMatch: exactMatch(extracted[i], examples[i].gold) });
      if (sandbox && i % 32 === 31) await new Promise((r) => setImmediate(r));
    }
    const results = await Promise.all(executions);

    const rows = examples.map((ex, index): ScoredPrediction => {
      const [gold, pred] = results[index] ?? [null, null];
      const goldClass = gold ? classifyGold(ex.gold, gold) : null;
      const { outcome, detail } =
        gold && goldClass ? executionOutcome({ goldStatus: goldClass.status, goldShape: shapes[index]!, gold, predSql: clean[index].sql, pred }) : { outcome: 'not_scored' as const, detail: null };
      const truncated = options.truncated?.[index] ?? false;
      const tags: ErrorTag[] = [];
      if (outcome !== 'correct') {
        if (hasNonLatinText(outputs[index])) tags.push('non_english');
        if (clean[index].issues.includes('fenced')) tags.push('fenced');
        if (!clean[index].sql) tags.push('empty');
        if (truncated) tags.push('truncated');
        if (EXECUTION_TAGS.has(outcome)) tags.push(outcome as ErrorTag);
        if (goldClass && goldClass.status !== 'ok') tags.push('gold_invalid');
      }
      return {
        index,
        output: outputs[index],
        extracted: extracted[index],
        executedSql: clean[index].sql,
        statements: clean[index].statements.length,
        issues: clean[index].issues,
        exactMatch: text[index].exactMatch,
        rouge: text[index].rouge,
        outcome,
        tags,
        detail,
        truncated,
        goldStatus: goldClass?.status ?? null,
        goldReason: goldClass?.reason ?? null,
        error: pred && !pred.ok ? pred.error : null,
        predictedRows: pred?.ok ? pred.rows.slice(0, 50) : null,
        goldRows: gold?.ok ? gold.rows.slice(0, 50) : null,
      };
    });
    return { rows, summary: summarize(examples, rows, stats, options.resamples ?? 1000) };
  } finally {
    if (owned) await sandbox!.close();
  }
}

function summarize(examples: ScoreExample[], rows: ScoredPrediction[], stats: BleuStats[], resamples: number): ScoreSummary {
  const n = rows.length;
  const mean = (f: (r: ScoredPrediction) => number, of: ScoredPrediction[] = rows) => (of.length ? of.reduce((s, r) => s + f(r), 0) / of.length : 0);
  const scored = rows.filter((r) => r.goldStatus === 'ok');
  const correct = scored.filter((r) => r.outcome === 'correct').length;
  const excluded = rows.flatMap((r) => (r.goldStatus && r.goldStatus !== 'ok' ? [r.goldStatus] : [])) as Exclude<GoldStatus, 'ok'>[];

  const byComplexity: ScoreSummary['byComplexity'] = {};
  for (const r of scored) {
    const entry = (byComplexity[examples[r.index].complexity ?? UNKNOWN] ??= { correct: 0, scored: 0 });
    entry.scored += 1;
    if (r.outcome === 'correct') entry.correct += 1;
  }

  const groups = (label: (e: ScoreExample) => string | null | undefined): Record<string, GroupScores> | undefined => {
    if (!examples.some((e) => label(e))) return undefined;
    const members = new Map<string, ScoredPrediction[]>();
    for (const r of rows) {
      const key = label(examples[r.index]) || UNKNOWN;
      const group = members.get(key);
      if (group) group.push(r);
      else members.set(key, [r]);
    }
    const out: Record<string, GroupScores> = {};
    for (const [key, group] of [...members].sort(([a], [b]) => a.localeCompare(b))) {
      const judged = group.filter((r) => r.goldStatus === 'ok');
      const ok = judged.filter((r) => r.outcome === 'correct').length;
      out[key] = {
        count: group.length,
        bleu: bleuFromStats(group.map((r) => stats[r.index])).bleu,
        rougeL: mean((r) => r.rouge.rougeL, group),
        exactMatch: mean((r) => (r.exactMatch ? 1 : 0), group),
        correct: ok,
        scored: judged.length,
        accuracy: judged.length ? ok / judged.length : null,
      };
    }
    return out;
  };

  let tagsByComplexity: ScoreSummary['tagsByComplexity'];
  if (examples.some((e) => e.complexity)) {
    tagsByComplexity = {};
    for (const r of rows) {
      for (const tag of r.tags) {
        const byClass = (tagsByComplexity[tag] ??= {});
        const key = examples[r.index].complexity || UNKNOWN;
        byClass[key] = (byClass[key] ?? 0) + 1;
      }
    }
  }

  return {
    n,
    bleu: bleuFromStats(stats).bleu,
    rouge1: mean((r) => r.rouge.rouge1),
    rouge2: mean((r) => r.rouge.rouge2),
    rougeL: mean((r) => r.rouge.rougeL),
    rougeLsum: mean((r) => r.rouge.rougeLsum),
    exactMatch: mean((r) => (r.exactMatch ? 1 : 0)),
    execution: {
      accuracy: scored.length ? correct / scored.length : null,
      correct,
      scored: scored.length,
      excludedGold: count(excluded),
      withoutContext: examples.filter((e) => e.context === null).length,
    },
    outcomes: count(rows.map((r) => r.outcome)),
    issues: count(rows.flatMap((r) => r.issues)),
    byComplexity,
    intervals: resamples > 0 && n > 0 ? intervals(rows, scored, stats, resamples) : null,
    breakdown: { complexity: groups((e) => e.complexity), taskType: groups((e) => e.taskType), domain: groups((e) => e.domain) },
    tags: count(rows.flatMap((r) => r.tags)),
    ...(tagsByComplexity ? { tagsByComplexity } : {}),
  };
}

/** Seeded percentile bootstrap (95%) of every corpus metric; execution accuracy over the scored examples only. */
function intervals(rows: ScoredPrediction[], scored: ScoredPrediction[], stats: BleuStats[], resamples: number): ScoreIntervals {
  const meanOf = (values: Float64Array) => (indices: Uint32Array) => {
    let s = 0;
    for (let k = 0; k < indices.length; k++) s += values[indices[k]];
    return s / indices.length;
  };
  const column = (f: (r: ScoredPrediction) => number) => meanOf(Float64Array.from(rows, f));
  const options = { resamples, level: 0.95, seed: BOOTSTRAP_SEED };
  const text = bootstrapIntervals(
    rows.length,
    {
      bleu: (indices) => bleuFromStats(stats, indices).bleu,
      rouge1: column((r) => r.rouge.rouge1),
      rouge2: column((r) => r.rouge.rouge2),
      rougeL: column((r) => r.rouge.rougeL),
      rougeLsum: column((r) => r.rouge.rougeLsum),
      exactMatch: column((r) => (r.exactMatch ? 1 : 0)),
    },
    options,
  );
  const executionAccuracy = scored.length ? bootstrapIntervals(scored.length, { accuracy: meanOf(Float64Array.from(scored, (r) => (r.outcome === 'correct' ? 1 : 0))) }, options).accuracy : null;
  return { level: options.level, resamples, seed: BOOTSTRAP_SEED, ...text, executionAccuracy };
}
