import { type ExecutionOutcome, executionOutcome, classifyGold, type GoldStatus } from './execution';
import { extractSql, type OutputIssue, seedExtract } from './extract';
import { corpusBleu, exactMatch, rouge, type RougeScores } from './metrics';
import { SqlSandbox, type SandboxResult } from './sandbox';

/**
 * Scoring a list of predictions against gold SQL: the seed's text metrics on the
 * seed's extraction, execution accuracy on the cleaned first statement run in the
 * sandbox, and one error category per prediction.
 */

export interface ScoreExample {
  gold: string;
  /** CREATE/INSERT statements the SQL runs against; null: execution is not scored. */
  context: string | null;
}

export interface ScoredPrediction {
  index: number;
  /** What the model wrote. */
  output: string;
  /** The seed's extraction (text metrics use it). */
  extracted: string;
  /** The statement that was executed. */
  executedSql: string;
  issues: OutputIssue[];
  exactMatch: boolean;
  rouge: RougeScores;
  outcome: ExecutionOutcome;
  goldStatus: GoldStatus | null;
  goldReason: string | null;
  error: string | null;
  predictedRows: unknown[][] | null;
  goldRows: unknown[][] | null;
}

export interface ScoreSummary {
  n: number;
  bleu: number;
  rouge1: number;
  rouge2: number;
  rougeL: number;
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
}

export interface ScoreOptions {
  /** 'seed': outputs are raw model text (apply the seed's extraction); 'none': already SQL. */
  extraction: 'seed' | 'none';
  sandbox?: SqlSandbox;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

const count = <K extends string>(items: K[]): Partial<Record<K, number>> => {
  const out: Partial<Record<K, number>> = {};
  for (const k of items) out[k] = (out[k] ?? 0) + 1;
  return out;
};

export async function scorePredictions(examples: ScoreExample[], outputs: string[], options: ScoreOptions): Promise<{ rows: ScoredPrediction[]; summary: ScoreSummary }> {
  if (examples.length !== outputs.length) throw new Error(`${outputs.length} predictions for ${examples.length} examples`);
  const sandbox = options.sandbox ?? new SqlSandbox();
  const owned = !options.sandbox;
  let done = 0;
  try {
    const rows = await Promise.all(
      examples.map(async (ex, index): Promise<ScoredPrediction> => {
        const output = outputs[index];
        const extracted = options.extraction === 'seed' ? seedExtract(output) : output.trim();
        const clean = extractSql(extracted);
        let goldResult: SandboxResult | null = null;
        let predResult: SandboxResult | null = null;
        let gold: { status: GoldStatus; reason: string | null } | null = null;
        if (ex.context !== null && !options.signal?.aborted) {
          [goldResult, predResult] = await Promise.all([sandbox.run(ex.context, ex.gold), clean.sql ? sandbox.run(ex.context, clean.sql) : Promise.resolve(null)]);
          gold = classifyGold(ex.gold, goldResult);
        }
        options.onProgress?.(++done, examples.length);
        const outcome: ExecutionOutcome = goldResult && gold ? executionOutcome(goldResult, gold.status, clean.sql, predResult, ex.gold) : 'not_scored';
        return {
          index,
          output,
          extracted,
          executedSql: clean.sql,
          issues: clean.issues,
          // As the seed measured it: on the extraction, fences and all.
          exactMatch: exactMatch(extracted, ex.gold),
          rouge: rouge(extracted, ex.gold),
          outcome,
          goldStatus: gold?.status ?? null,
          goldReason: gold?.reason ?? null,
          error: predResult && !predResult.ok ? predResult.error : null,
          predictedRows: predResult?.ok ? predResult.rows.slice(0, 50) : null,
          goldRows: goldResult?.ok ? goldResult.rows.slice(0, 50) : null,
        };
      }),
    );
    const n = rows.length;
    const mean = (f: (r: ScoredPrediction) => number) => (n ? rows.reduce((s, r) => s + f(r), 0) / n : 0);
    const scored = rows.filter((r) => r.goldStatus === 'ok');
    const correct = scored.filter((r) => r.outcome === 'correct').length;
    const excluded = rows.flatMap((r) => (r.goldStatus && r.goldStatus !== 'ok' ? [r.goldStatus] : [])) as Exclude<GoldStatus, 'ok'>[];
    return {
      rows,
      summary: {
        n,
        bleu: corpusBleu(rows.map((r) => r.extracted), examples.map((e) => [e.gold])).bleu,
        rouge1: mean((r) => r.rouge.rouge1),
        rouge2: mean((r) => r.rouge.rouge2),
        rougeL: mean((r) => r.rouge.rougeL),
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
      },
    };
  } finally {
    if (owned) await sandbox.close();
  }
}
