import { z } from 'zod';
import { TrainConfig } from '../train/config';

/**
 * The one API contract between the renderer and the backend. Every request, its
 * response and every event is declared here once, as a zod schema, and served over
 * two transports: Electron IPC (src-main/electron) and HTTP + WebSocket
 * (src-main/api/http.ts, used by `sqlora serve` and the browser tests). Both sides
 * validate what crosses the boundary with these schemas.
 */

const isoDate = z.string();

// ---------------------------------------------------------------- shared shapes

export const JobStatus = z.enum(['running', 'completed', 'failed', 'cancelled', 'interrupted']);
export type JobStatus = z.infer<typeof JobStatus>;

export const Job = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  status: JobStatus,
  /** 0..1 */
  progress: z.number(),
  message: z.string().nullable(),
  error: z.string().nullable(),
  result: z.unknown().nullable(),
  createdAt: isoDate,
  finishedAt: isoDate.nullable(),
});
export type Job = z.infer<typeof Job>;

export const BackendName = z.enum(['webgpu', 'tensorflow', 'wasm', 'cpu']);
export type BackendName = z.infer<typeof BackendName>;

export const BackendProbe = z.object({
  name: BackendName,
  available: z.boolean(),
  /** Why it is (not) available: the error, or what was found. */
  detail: z.string(),
});
export type BackendProbe = z.infer<typeof BackendProbe>;

export const GpuAdapterInfo = z.object({
  vendor: z.string(),
  architecture: z.string(),
  description: z.string(),
  features: z.array(z.string()),
  maxBufferSize: z.number(),
  maxStorageBufferBindingSize: z.number(),
  /** A GPU emulated on the CPU (Mesa's llvmpipe, SwiftShader): correct, slower than wasm, never chosen automatically. */
  software: z.boolean(),
});
export type GpuAdapterInfo = z.infer<typeof GpuAdapterInfo>;

export const BackendInfo = z.object({
  chosen: BackendName,
  reason: z.string(),
  probes: z.array(BackendProbe),
  gpu: GpuAdapterInfo.nullable(),
});
export type BackendInfo = z.infer<typeof BackendInfo>;

export const EngineState = z.enum(['stopped', 'starting', 'ready', 'busy', 'crashed']);
export const EngineStatus = z.object({
  state: EngineState,
  pid: z.number().nullable(),
  backend: BackendInfo.nullable(),
  /** What the engine is doing now, e.g. "training run 3". */
  activity: z.string().nullable(),
  /** The last crash, kept until the next successful start. */
  lastError: z.string().nullable(),
});
export type EngineStatus = z.infer<typeof EngineStatus>;

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  transport: z.enum(['ipc', 'http']),
  platform: z.string(),
  versions: z.object({ node: z.string(), electron: z.string().nullable() }),
  dataDir: z.string(),
  store: z.object({ path: z.string(), schemaVersion: z.number(), recoveredRuns: z.number() }),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const Theme = z.enum(['system', 'light', 'dark']);
export const Settings = z.object({
  theme: Theme,
  /** Preferred engine backend; 'auto' picks webgpu > tensorflow > wasm > cpu. */
  backend: z.union([z.literal('auto'), BackendName]),
});
export type Settings = z.infer<typeof Settings>;
export const defaultSettings: Settings = { theme: 'system', backend: 'auto' };

export const RunStatus = z.enum(['queued', 'running', 'paused', 'completed', 'failed', 'cancelled', 'interrupted']);
export type RunStatus = z.infer<typeof RunStatus>;

/** The trainer summary of a finished (or imported) run. */
export const RunSummary = z.object({
  steps: z.number(),
  maxSteps: z.number().nullable(),
  epochs: z.number().nullable(),
  trainLoss: z.number().nullable(),
  bestEvalLoss: z.number().nullable(),
  bestStep: z.number().nullable(),
  runtimeS: z.number().nullable(),
  tokensPerS: z.number().nullable(),
  samplesPerS: z.number().nullable(),
  tokens: z.number().nullable(),
  /** Why training ended, in words ("early stopping: eval_loss did not improve by 0.01 for 3 evaluations"). */
  stoppedBecause: z.string(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const RunRecord = z.object({
  id: z.number(),
  name: z.string(),
  kind: z.enum(['trained', 'imported']),
  status: RunStatus,
  config: z.unknown(),
  summary: RunSummary.nullable(),
  error: z.string().nullable(),
  sweepId: z.string().nullable(),
  adapterPath: z.string().nullable(),
  createdAt: isoDate,
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
});
export type RunRecord = z.infer<typeof RunRecord>;

/** One point of a run's time series; a training log and an evaluation share the step axis. */
export const MetricPoint = z.object({
  step: z.number(),
  epoch: z.number().nullable(),
  loss: z.number().nullable(),
  evalLoss: z.number().nullable(),
  learningRate: z.number().nullable(),
  gradNorm: z.number().nullable(),
  tokensPerS: z.number().nullable(),
  memoryBytes: z.number().nullable(),
  elapsedS: z.number().nullable(),
});
export type MetricPoint = z.infer<typeof MetricPoint>;

// ---------------------------------------------------------------- requests

interface RequestSpec<I extends z.ZodType, O extends z.ZodType> {
  input: I;
  output: O;
  /** One line for the API docs and error messages. */
  summary: string;
}
const request = <I extends z.ZodType, O extends z.ZodType>(summary: string, input: I, output: O): RequestSpec<I, O> => ({
  input,
  output,
  summary,
});
const empty = z.object({}).strict();

// ---------------------------------------------------------------- datasets (issue 6: import, validation, splits, EDA)

export const DataFormat = z.enum(['csv', 'tsv', 'json', 'jsonl', 'parquet']);
export type DataFormat = z.infer<typeof DataFormat>;
export const PresetName = z.enum(['gretel', 'spider', 'sql-create-context', 'custom']);
export type PresetName = z.infer<typeof PresetName>;

/** Logical field -> source column. prompt and sql are always needed; context unless a preset builds it. */
export const ColumnMapping = z
  .object({
    prompt: z.string().min(1),
    sql: z.string().min(1),
    context: z.string().min(1).optional(),
    explanation: z.string().min(1).optional(),
    domain: z.string().min(1).optional(),
    complexity: z.string().min(1).optional(),
    taskType: z.string().min(1).optional(),
  })
  .strict();
export type ColumnMapping = z.infer<typeof ColumnMapping>;

/** One problem in the input, located as precisely as the format allows. */
export const DataIssue = z.object({
  file: z.string(),
  /** 1-based data row (records after a CSV header, array elements, JSONL lines, Parquet rows); null for file-level problems. */
  row: z.number().nullable(),
  /** 1-based line in a text file where the row starts, when known. */
  line: z.number().nullable(),
  column: z.string().nullable(),
  message: z.string(),
});
export type DataIssue = z.infer<typeof DataIssue>;

const RowRef = z.object({ file: z.string(), row: z.number() });
const DuplicateGroup = z.object({ prompt: z.string(), rows: z.array(RowRef) });

export const DatasetReport = z.object({
  rowsRead: z.number(),
  rowsImported: z.number(),
  rejected: z.number(),
  /** Rejected rows and file problems (the first ones; issuesTruncated says when more were cut). */
  issues: z.array(DataIssue),
  issuesTruncated: z.boolean(),
  /** Rows whose prompt already appeared earlier in the dataset. */
  duplicatePrompts: z.object({ rows: z.number(), groups: z.array(DuplicateGroup) }),
  /** Rows identical to an earlier row in prompt, context and SQL. */
  duplicateExamples: z.object({ rows: z.number(), groups: z.array(DuplicateGroup) }),
  /** Prompts present in more than one of the file's splits (train/test leakage). */
  leakage: z.object({ prompts: z.number(), examples: z.array(z.object({ prompt: z.string(), splits: z.array(z.string()) })) }),
});
export type DatasetReport = z.infer<typeof DatasetReport>;

export const DatasetFile = z.object({ path: z.string(), format: DataFormat, split: z.string(), rows: z.number(), rejected: z.number() });

export const SplitSizes = z.object({ train: z.number().min(0), validation: z.number().min(0), test: z.number().min(0) }).strict();
export const SplitSpec = z
  .object({
    /** 'seeded': shuffle with the seed and cut sizes; 'file': keep the splits the files gave. */
    method: z.enum(['seeded', 'file']).default('seeded'),
    seed: z.number().int().default(42),
    /** Row counts (unit 'rows', may be a subset like the seed's 5,000 / 750 / 1,000) or fractions of the pool summing to <= 1. */
    sizes: SplitSizes.default({ train: 5000, validation: 750, test: 1000 }),
    unit: z.enum(['rows', 'fraction']).default('rows'),
    /** Keep each complexity's share the same in every part (when the dataset has complexities). */
    stratify: z.boolean().default(true),
    /** Draw only from this file split ('all' = every example). */
    pool: z.string().default('all'),
  })
  .strict();
export type SplitSpec = z.infer<typeof SplitSpec>;

export const SplitRecord = z.object({
  id: z.number(),
  datasetId: z.number(),
  name: z.string(),
  spec: z.unknown(),
  counts: z.object({ train: z.number(), validation: z.number(), test: z.number() }),
  /** Prompts that occur in more than one part. */
  leakedPrompts: z.number(),
  createdAt: isoDate,
});
export type SplitRecord = z.infer<typeof SplitRecord>;

export const DatasetSummary = z.object({
  id: z.number(),
  name: z.string(),
  preset: z.string(),
  rowCount: z.number(),
  splits: z.record(z.string(), z.number()),
  createdAt: isoDate,
});
export type DatasetSummary = z.infer<typeof DatasetSummary>;

export const DatasetDetail = DatasetSummary.extend({
  mapping: z.record(z.string(), z.string()),
  files: z.array(DatasetFile),
  report: DatasetReport.nullable(),
  savedSplits: z.array(SplitRecord),
});
export type DatasetDetail = z.infer<typeof DatasetDetail>;

export const ExampleRecord = z.object({
  id: z.number(),
  ord: z.number(),
  split: z.string(),
  prompt: z.string(),
  context: z.string(),
  sql: z.string(),
  explanation: z.string().nullable(),
  domain: z.string().nullable(),
  complexity: z.string().nullable(),
  taskType: z.string().nullable(),
  meta: z.record(z.string(), z.unknown()).nullable(),
});
export type ExampleRecord = z.infer<typeof ExampleRecord>;

// EDA views: plain numbers a chart draws from.
export const SummaryStats = z.object({
  count: z.number(),
  min: z.number(),
  q1: z.number(),
  median: z.number(),
  q3: z.number(),
  max: z.number(),
  mean: z.number(),
  p95: z.number(),
});
export type SummaryStats = z.infer<typeof SummaryStats>;
/** binEdges has counts.length + 1 entries; bin i holds values in [edge i, edge i+1). */
export const Histogram = z.object({ binEdges: z.array(z.number()), counts: z.array(z.number()) });
export type Histogram = z.infer<typeof Histogram>;
export const Distribution = z.object({ name: z.string(), stats: SummaryStats.nullable(), histogram: Histogram });
export type Distribution = z.infer<typeof Distribution>;

export const CountsView = z.object({
  kind: z.literal('counts'),
  total: z.number(),
  /** Rows without a value for this field. */
  missing: z.number(),
  distinct: z.number(),
  items: z.array(z.object({ label: z.string(), count: z.number() })),
  /** Rows in labels beyond the top N. */
  other: z.number(),
});
export const HeatmapView = z.object({ kind: z.literal('heatmap'), rows: z.array(z.string()), columns: z.array(z.string()), matrix: z.array(z.array(z.number())) });
export const DistributionsView = z.object({ kind: z.literal('distributions'), unit: z.string(), series: z.array(Distribution) });
export const BoxGroup = SummaryStats.extend({ label: z.string(), whiskerLow: z.number(), whiskerHigh: z.number(), outliers: z.number() });
export const BoxPlotView = z.object({ kind: z.literal('boxplot'), unit: z.string(), groups: z.array(BoxGroup) });
export const ValidityView = z.object({
  kind: z.literal('validity'),
  total: z.number(),
  /** Queries run (total minus skipped). */
  checked: z.number(),
  valid: z.number(),
  /** valid / checked */
  share: z.number(),
  skipped: z.number(),
  /** Rows whose context itself fails in SQLite (so the query could not be judged fairly). */
  contextErrors: z.number(),
  /** Valid queries whose result depends on the clock or chance (CURRENT_DATE, RANDOM()...). */
  nonDeterministic: z.number(),
  reasons: z.array(z.object({ reason: z.string(), count: z.number(), examples: z.array(z.object({ ord: z.number(), error: z.string() })) })),
});
export const TokensView = z.object({
  kind: z.literal('tokens'),
  tokenizer: z.string(),
  maxLength: z.number(),
  /** Tokens of the fixed prompt template and chat markup, added to each row's fields for the length check. */
  templateTokens: z.number(),
  series: z.array(Distribution),
  /** Rows whose template + prompt + context + SQL tokens exceed maxLength (they would be truncated in training). */
  overMaxLength: z.object({ count: z.number(), share: z.number() }),
});
export const ScatterView = z.object({
  kind: z.literal('scatter'),
  x: z.string(),
  y: z.string(),
  /** Exact points over the whole dataset, merged: [x, y, how many rows]. */
  groups: z.array(z.object({ label: z.string(), points: z.array(z.tuple([z.number(), z.number(), z.number()])) })),
});
export const EdaView = z.discriminatedUnion('kind', [CountsView, HeatmapView, DistributionsView, BoxPlotView, ValidityView, TokensView, ScatterView]);
export type EdaView = z.infer<typeof EdaView>;

export const EDA_VIEWS = [
  'domain',
  'complexity',
  'taskType',
  'domainComplexity',
  'lengths',
  'keywords',
  'keywordsByComplexity',
  'tablesPerContext',
  'columnsPerContext',
  'sqlValidity',
  'tokens',
  'promptVsKeywords',
] as const;
export const EdaViewName = z.enum(EDA_VIEWS);
export type EdaViewName = z.infer<typeof EdaViewName>;

export const ImportRequest = z
  .object({
    files: z
      .array(z.object({ path: z.string().min(1), split: z.string().min(1).optional(), format: DataFormat.optional() }).strict())
      .min(1, 'give at least one file'),
    preset: z.union([z.literal('auto'), PresetName]).default('auto'),
    mapping: ColumnMapping.optional(),
    /** Spider's tables.json (schemas by db_id) for the spider preset. */
    tables: z.string().min(1).optional(),
    name: z.string().min(1).optional(),
    /** Import the valid rows and list the rejected ones in the report, instead of failing. */
    skipInvalid: z.boolean().default(false),
  })
  .strict();
export type ImportRequest = z.input<typeof ImportRequest>;

const datasetRequests = {
  'datasets.import': request(
    'Import text-to-SQL files as one dataset (a job: progress, cancel; a failed import leaves nothing).',
    ImportRequest,
    Job,
  ),
  'datasets.list': request('All datasets, newest first.', empty, z.array(DatasetSummary)),
  'datasets.get': request('One dataset: files, mapping, validation report and saved splits.', z.object({ id: z.number().int() }).strict(), DatasetDetail),
  'datasets.preview': request(
    'A page of examples in dataset order.',
    z
      .object({ id: z.number().int(), split: z.string().optional(), offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(500).default(50) })
      .strict(),
    z.object({ total: z.number(), rows: z.array(ExampleRecord) }),
  ),
  'datasets.split': request(
    'Make and store a named train/validation/test split (seeded and reproducible).',
    z.object({ id: z.number().int(), name: z.string().min(1).optional(), spec: SplitSpec.optional() }).strict(),
    SplitRecord,
  ),
  'datasets.eda': request(
    'The EDA views stored for a dataset (whole, or one file split); starts a job computing the missing ones (or all with recompute).',
    z
      .object({
        id: z.number().int(),
        /** 'all' = the whole dataset, else a file split (train/validation/test). */
        split: z.string().min(1).default('all'),
        recompute: z.boolean().default(false),
        /** Include the token views (loads the Gemma 3 tokenizer). */
        tokens: z.boolean().default(true),
      })
      .strict(),
    z.object({ views: z.record(z.string(), EdaView), computedAt: z.string().nullable(), job: Job.nullable() }),
  ),
  'datasets.delete': request('Delete a dataset with its examples, splits and EDA.', z.object({ id: z.number().int() }).strict(), z.object({ deleted: z.boolean() })),
} as const;
// ---------------------------------------------------------------- end of datasets section
// ---------------------------------------------------------------- export a job (issue 11)

export const ExportSplitCounts = z.object({
  examples: z.number(),
  dropped: z.number(),
  truncated: z.number(),
  tokens: z.number(),
});

export const ExportJobInput = z
  .object({
    /** Export this run's config; or give `config` for a run not trained yet. */
    runId: z.number().int().optional(),
    config: TrainConfig.optional(),
    outDir: z.string().min(1, 'choose an output folder'),
    /** The base model as the cluster knows it (Hub id or path there); default: the config's model folder. */
    baseModel: z.string().min(1).optional(),
  })
  .strict()
  .refine((v) => (v.runId === undefined) !== (v.config === undefined), 'give either runId or config, not both');

export const ExportJobResult = z.object({
  outDir: z.string(),
  files: z.array(z.string()),
  train: ExportSplitCounts,
  validation: ExportSplitCounts,
});
export type ExportJobResult = z.infer<typeof ExportJobResult>;

const exportRequests = {
  'runs.exportJob': request(
    'Write a run (or a config) as a transformers + PEFT + accelerate job folder: tokenised splits, job.json, train.py, accelerate configs, README.',
    ExportJobInput,
    ExportJobResult,
  ),
} as const;

// ---------------------------------------------------------------- evaluation (issue 7)

/** [low, high] of a percentile bootstrap interval. */
const Interval = z.tuple([z.number(), z.number()]);

/** The main metrics of one group of examples (a complexity class, a task type, a domain). */
export const GroupScores = z.object({
  count: z.number(),
  bleu: z.number(),
  rougeL: z.number(),
  exactMatch: z.number(),
  correct: z.number(),
  scored: z.number(),
  accuracy: z.number().nullable(),
});
export type GroupScores = z.infer<typeof GroupScores>;

export const EvalSummary = z.object({
  n: z.number(),
  bleu: z.number(),
  rouge1: z.number(),
  rouge2: z.number(),
  rougeL: z.number(),
  /** Optional: evaluations stored before it was measured lack it. */
  rougeLsum: z.number().optional(),
  exactMatch: z.number(),
  execution: z.object({
    accuracy: z.number().nullable(),
    correct: z.number(),
    scored: z.number(),
    excludedGold: z.record(z.string(), z.number()),
    withoutContext: z.number(),
  }),
  outcomes: z.record(z.string(), z.number()),
  issues: z.record(z.string(), z.number()),
  /** Execution accuracy per complexity class. */
  byComplexity: z.record(z.string(), z.object({ correct: z.number(), scored: z.number() })).optional(),
  generation: z.object({ tokensPerS: z.number(), seconds: z.number() }).optional(),
  /** Seeded 95% percentile bootstrap intervals of every corpus metric (execution accuracy over the scored examples). */
  intervals: z
    .object({
      level: z.number(),
      resamples: z.number(),
      seed: z.number(),
      bleu: Interval,
      rouge1: Interval,
      rouge2: Interval,
      rougeL: Interval,
      rougeLsum: Interval,
      exactMatch: Interval,
      executionAccuracy: Interval.nullable(),
    })
    .nullable()
    .optional(),
  /** The main metrics per complexity, task type and domain, for those the examples have. */
  breakdown: z
    .object({
      complexity: z.record(z.string(), GroupScores).optional(),
      taskType: z.record(z.string(), GroupScores).optional(),
      domain: z.record(z.string(), GroupScores).optional(),
    })
    .optional(),
  /** Examples per error tag (non_english, fenced, empty, truncated, syntax_error, unknown_table, unknown_column, wrong_statement_type, wrong_result, gold_invalid...). */
  tags: z.record(z.string(), z.number()).optional(),
  /** Examples per error tag and complexity: tag -> complexity -> count. */
  tagsByComplexity: z.record(z.string(), z.record(z.string(), z.number())).optional(),
});
export type EvalSummary = z.infer<typeof EvalSummary>;

/** Which predictions of an evaluation a list or an export shows; every filter narrows. */
export const PredictionFilter = z.object({
  outcome: z.string().optional(),
  tag: z.string().optional(),
  complexity: z.string().optional(),
  correct: z.boolean().optional(),
  /** Case-insensitive text in the question, gold SQL or model output. */
  search: z.string().optional(),
});
export type PredictionFilter = z.infer<typeof PredictionFilter>;

export const EvaluationRecord = z.object({
  id: z.number(),
  name: z.string(),
  runId: z.number().nullable(),
  datasetId: z.number().nullable(),
  split: z.string().nullable(),
  status: z.enum(['running', 'completed', 'failed', 'cancelled']),
  config: z.unknown(),
  metrics: EvalSummary.nullable(),
  error: z.string().nullable(),
  createdAt: isoDate,
  finishedAt: isoDate.nullable(),
});
export type EvaluationRecord = z.infer<typeof EvaluationRecord>;

export const PredictionRecord = z.object({
  ord: z.number(),
  exampleId: z.number().nullable(),
  prompt: z.string().nullable(),
  context: z.string().nullable(),
  reference: z.string(),
  rawOutput: z.string(),
  predictedSql: z.string(),
  complexity: z.string().nullable(),
  outcome: z.string(),
  issues: z.array(z.string()),
  correct: z.boolean().nullable(),
  goldStatus: z.string().nullable(),
  goldReason: z.string().nullable(),
  error: z.string().nullable(),
  exactMatch: z.boolean(),
  rougeL: z.number(),
  predictedRows: z.array(z.array(z.unknown())).nullable(),
  goldRows: z.array(z.array(z.unknown())).nullable(),
  // Optional: predictions stored before error tags lack them.
  /** Why it failed (see EvalSummary.tags); empty for a correct prediction. */
  tags: z.array(z.string()).optional(),
  /** The unknown table or column, the SQLite message, or why the statement type is wrong. */
  detail: z.string().nullable().optional(),
  /** Generation stopped at max new tokens. */
  truncated: z.boolean().optional(),
  rougeLsum: z.number().optional(),
  taskType: z.string().nullable().optional(),
  domain: z.string().nullable().optional(),
});
export type PredictionRecord = z.infer<typeof PredictionRecord>;

export const EvalRunRequest = z
  .object({
    name: z.string().min(1).optional(),
    modelPath: z.string().min(1, 'choose a base model'),
    /** A LoRA adapter folder, or null for the base model (the baseline). */
    adapterPath: z.string().min(1).nullable().default(null),
    runId: z.number().int().nullable().default(null),
    datasetId: z.number().int().positive('choose a dataset'),
    split: z.string().min(1).nullable().default(null),
    part: z.enum(['train', 'validation', 'test']).default('test'),
    limit: z.number().int().positive().nullable().default(null),
    maxNewTokens: z.number().int().positive().max(2048).default(256),
    batchSize: z.number().int().positive().max(64).default(8),
  })
  .strict();

const evaluationRequests = {
  'eval.run': request('Generate SQL for a dataset part with a model (and adapter), execute and score it (a job).', EvalRunRequest, z.object({ evaluation: EvaluationRecord, jobId: z.string() })),
  'eval.list': request('All evaluations, newest first.', empty, z.array(EvaluationRecord)),
  'eval.get': request(
    'One evaluation with a page of its predictions, optionally filtered (outcome, error tag, complexity, correct or not, text).',
    z
      .object({
        id: z.number().int(),
        ...PredictionFilter.shape,
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
      })
      .strict(),
    z.object({ evaluation: EvaluationRecord, total: z.number(), predictions: z.array(PredictionRecord) }),
  ),
  'eval.exportCsv': request(
    "An evaluation's predictions as CSV (prompt, context, gold, predicted, raw output, outcome, tags, error, both results), optionally one outcome or tag.",
    z.object({ id: z.number().int(), ...PredictionFilter.shape }).strict(),
    z.object({ filename: z.string(), csv: z.string(), rows: z.number() }),
  ),
  'eval.import': request(
    'Score predictions made elsewhere (CSV or JSONL: reference, prediction, optional context, prompt, complexity) and keep them as an evaluation to study and compare (a job).',
    z.object({ path: z.string().min(1, 'choose a predictions file'), name: z.string().min(1).optional() }).strict(),
    z.object({ evaluation: EvaluationRecord, jobId: z.string() }),
  ),
  'eval.delete': request('Delete an evaluation and its predictions.', z.object({ id: z.number().int() }).strict(), z.object({ deleted: z.boolean() })),
  'eval.score': request(
    'Score predictions made elsewhere against gold SQL (execution when a schema context is given); nothing is stored.',
    z
      .object({
        rows: z
          .array(z.object({ gold: z.string(), output: z.string(), context: z.string().nullable(), prompt: z.string().nullable().optional(), complexity: z.string().nullable().optional() }))
          .min(1, 'give at least one prediction'),
        extraction: z.enum(['seed', 'none']).default('none'),
      })
      .strict(),
    z.object({ summary: EvalSummary, rows: z.array(PredictionRecord) }),
  ),
};

// ---------------------------------------------------------------- workbench helpers (defaults, inspection, playground)

/** A PEFT LoRA adapter as model/lora.ts reads it. */
export const AdapterInfo = z.object({
  dir: z.string(),
  r: z.number(),
  alpha: z.number(),
  dropout: z.number(),
  scale: z.number(),
  useRslora: z.boolean(),
  targets: z.array(z.string()),
  layers: z.array(z.number()),
  parameterCount: z.number(),
  tensorCount: z.number(),
  baseModel: z.string().nullable(),
  peftVersion: z.string().nullable(),
  validatedAgainst: z.string().nullable(),
});
export type AdapterInfo = z.infer<typeof AdapterInfo>;

const workbenchRequests = {
  'app.defaults': request(
    'The embedded default model and dataset; imports the dataset on first use (a job).',
    empty,
    z.object({ modelPath: z.string().nullable(), datasetId: z.number().nullable(), datasetName: z.string(), importJobId: z.string().nullable() }),
  ),
  'models.inspect': request(
    'Check a Hugging Face model folder with the engine loader and summarise it.',
    z.object({ path: z.string().min(1) }).strict(),
    z.object({
      path: z.string(),
      layers: z.number(),
      hiddenSize: z.number(),
      vocabSize: z.number(),
      heads: z.string(),
      parameters: z.number(),
      float32Bytes: z.number(),
      /** Tokenizer files the folder lacks (training and generation need them). */
      missing: z.array(z.string()),
      trainingBytes: z.number(),
      fitsWasm: z.boolean(),
    }),
  ),
  'adapters.inspect': request(
    'Describe a PEFT LoRA adapter folder, checked against a base model (registered model id or name, model folder or known model id) when given.',
    z.object({ path: z.string().min(1), base: z.string().min(1).optional() }).strict(),
    AdapterInfo,
  ),
  'sandbox.run': request(
    'Run SQL in the sandbox against a schema context (CREATE/INSERT): every statement in order, in a throwaway database; the rows are the last result set (first 200, with the full count).',
    z.object({ context: z.string(), sql: z.string() }).strict(),
    z.object({ ok: z.boolean(), columns: z.array(z.string()), rows: z.array(z.array(z.unknown())), rowCount: z.number(), error: z.string().nullable(), timedOut: z.boolean(), ms: z.number() }),
  ),
};

// ---------------------------------------------------------------- base models (issue 10)

/** Whether LoRA training (the seed's largest run: r 16, 512 tokens, batch 1) fits each backend's memory, from the engine's estimate. */
export const MemoryFit = z.object({
  /** Weights as float32 plus the LoRA state and activations. */
  neededBytes: z.number(),
  /** The weights as float32. */
  weightsBytes: z.number(),
  /** The backend in use (Settings, or the engine's choice under 'auto'); null while 'auto' and the engine has not chosen yet. */
  chosen: BackendName.nullable(),
  /** neededBytes on each backend: less on webgpu, which stores the frozen weights as float16. */
  backends: z.array(z.object({ backend: BackendName, neededBytes: z.number(), limitBytes: z.number(), fits: z.boolean() })),
});
export type MemoryFit = z.infer<typeof MemoryFit>;

export const ModelSummary = z.object({
  id: z.number(),
  name: z.string(),
  path: z.string(),
  source: z.string(),
  /** The Hub repository it came from (a download or a cache snapshot), else null. */
  hubId: z.string().nullable(),
  layers: z.number(),
  hiddenSize: z.number(),
  vocabSize: z.number(),
  parameters: z.number(),
  /** Storage type of the weights from the safetensors headers ("BF16", "F32", "BF16+F32"); null for models registered before it was recorded. */
  dtype: z.string().nullable(),
  diskBytes: z.number(),
  fitsWasm: z.boolean(),
  memory: MemoryFit,
  createdAt: isoDate,
});
export type ModelSummary = z.infer<typeof ModelSummary>;

export const ModelPreset = z.object({
  id: z.string(),
  title: z.string(),
  parameters: z.number(),
  /** The bfloat16 weights on the Hub, 2 bytes per parameter (the tokenizer adds about 33 MB). */
  downloadBytes: z.number(),
  licence: z.string(),
  /** Where to accept the licence (the model's Hub page, logged in). */
  licenceUrl: z.string(),
  memory: MemoryFit,
  /** A usable snapshot already in the Hugging Face cache, or null. */
  cachedPath: z.string().nullable(),
  registeredId: z.number().nullable(),
});
export type ModelPreset = z.infer<typeof ModelPreset>;

/** An adapter under its base model: a run's best adapter (trained here or imported with a Trainer run), or a PEFT folder imported on its own. */
export const AdapterRecord = z.object({
  id: z.number(),
  name: z.string(),
  path: z.string(),
  source: z.enum(['trained', 'imported']),
  runId: z.number().nullable(),
  runName: z.string().nullable(),
  /** The registered base model it belongs to, or null. */
  modelId: z.number().nullable(),
  /** The base as recorded (Hub id or folder) when it is not a registered model; else that model's Hub id or name. */
  baseModel: z.string().nullable(),
  /** Read from the folder now (r, alpha, targets...) and checked against the base; null with `problem` when that fails. */
  info: AdapterInfo.nullable(),
  problem: z.string().nullable(),
  createdAt: isoDate,
});
export type AdapterRecord = z.infer<typeof AdapterRecord>;

export const HfTokenStatus = z.object({
  /** Where the token in use comes from, in the lookup order the CLI shares; never the token itself. */
  source: z.enum(['settings', 'HF_TOKEN', 'token file']).nullable(),
  /** An OS keychain is available, so a token can be saved (the CLI has none). */
  canStore: z.boolean(),
  stored: z.boolean(),
  /** Saved by the app but not decryptable here (the CLI, or a changed keychain): skipped. */
  storedUnreadable: z.boolean(),
});
export type HfTokenStatus = z.infer<typeof HfTokenStatus>;

const modelRequests = {
  'models.list': request('Registered base models with their summaries.', empty, z.array(ModelSummary)),
  'models.add': request('Register a local Hugging Face model folder (checked with the engine loader, not copied).', z.object({ path: z.string().min(1), name: z.string().min(1).optional() }).strict(), ModelSummary),
  'models.discover': request(
    'Models already in the Hugging Face cache (downloaded by Python tools or by the workbench).',
    empty,
    z.array(z.object({ id: z.string(), revision: z.string(), path: z.string(), modelType: z.string().nullable(), unsupported: z.string().nullable(), bytes: z.number() })),
  ),
  'models.download': request(
    'Download a model from the Hugging Face Hub into the standard cache (a job: progress, cancel, resume, checksums), then register it.',
    z.object({ id: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'a Hub id looks like google/gemma-3-1b-it'), revision: z.string().min(1).optional() }).strict(),
    Job,
  ),
  'models.presets': request('google/gemma-3-1b-it and google/gemma-3-270m-it: size, licence, memory fit, and whether they are cached or registered already.', empty, z.array(ModelPreset)),
  'models.remove': request('Forget a registered model (its files stay where they are).', z.object({ id: z.number().int() }).strict(), z.object({ removed: z.boolean() })),
  'models.tokenStatus': request('Where the Hugging Face token comes from: settings, $HF_TOKEN, the huggingface_hub token file, or none (never the token).', empty, HfTokenStatus),
  'models.setToken': request(
    'Save the Hugging Face token in the settings, encrypted with the OS keychain (Electron safeStorage); refused where there is none.',
    z.object({ token: z.string().trim().min(1, 'give a token') }).strict(),
    HfTokenStatus,
  ),
  'models.clearToken': request('Forget the Hugging Face token saved in the settings.', empty, HfTokenStatus),
  'adapters.list': request(
    'LoRA adapters, each under its base model: runs\' best adapters and imported PEFT folders, with their configuration; all, or one model\'s.',
    z.object({ modelId: z.number().int().optional() }).strict(),
    z.array(AdapterRecord),
  ),
  'adapters.import': request(
    'Register a PEFT LoRA adapter folder by path after checking it against its base model (registered model id, name or Hub id, a model folder, or a known model id; default: the adapter\'s base_model_name_or_path).',
    z.object({ path: z.string().min(1), base: z.string().min(1).optional(), name: z.string().min(1).optional() }).strict(),
    AdapterRecord,
  ),
};

export const requests = {
  ...evaluationRequests,
  ...modelRequests,
  ...workbenchRequests,
  'app.info': request('Versions, data folder and store of the running backend.', empty, AppInfo),
  'settings.get': request('The user settings.', empty, Settings),
  'settings.set': request('Change some settings; returns them all.', Settings.partial().strict(), Settings),
  'engine.status': request('State of the engine process and its backend.', empty, EngineStatus),
  'engine.restart': request('Stop the engine process (if any) and start a fresh one.', empty, EngineStatus),
  'engine.benchMatmul': request(
    'Measure the engine backend with a square float32 matmul (a long-running engine request).',
    z.object({ size: z.number().int().min(16).max(8192), repeats: z.number().int().min(1).max(1000) }).strict(),
    z.object({ backend: BackendName, gflops: z.number(), ms: z.number() }),
  ),
  'runs.list': request('All runs, newest first.', empty, z.array(RunRecord)),
  'runs.get': request(
    'One run with its metrics time series.',
    z.object({ id: z.number().int() }).strict(),
    z.object({ run: RunRecord, metrics: z.array(MetricPoint) }),
  ),
  'runs.import': request(
    'Import a Hugging Face Trainer output (folder with trainer_state.json, or the file itself) as a run.',
    z.object({ path: z.string().min(1), adapterPath: z.string().min(1).optional(), name: z.string().min(1).optional() }).strict(),
    RunRecord,
  ),
  'runs.exportResults': request(
    'Write a run as Hugging Face Trainer output: trainer_state.json and its PEFT adapter.',
    z.object({ id: z.number().int(), outDir: z.string().min(1) }).strict(),
    z.object({ outDir: z.string(), files: z.array(z.string()) }),
  ),
  'runs.delete': request('Delete a run, its metrics and checkpoints records.', z.object({ id: z.number().int() }).strict(), z.object({ deleted: z.boolean() })),
  'train.start': request(
    'Queue a training run, or one run per rank for a sweep (everything else equal).',
    z
      .object({
        config: TrainConfig,
        name: z.string().min(1).optional(),
        ranks: z.array(z.number().int().positive('every rank in a sweep must be at least 1')).min(1).optional(),
      })
      .strict(),
    z.object({ runs: z.array(RunRecord), sweepId: z.string().nullable() }),
  ),
  'train.pause': request('Pause a running run at its next step (a checkpoint is written).', z.object({ runId: z.number().int() }).strict(), RunRecord),
  'train.resume': request('Resume a paused or interrupted run from its last checkpoint.', z.object({ runId: z.number().int() }).strict(), RunRecord),
  'train.cancel': request('Cancel a queued or running run.', z.object({ runId: z.number().int() }).strict(), RunRecord),
  'generate.sql': request(
    'Write SQL for a question and its schema with a base model and optionally a LoRA adapter (the seed prompt, chat template, stop at <end_of_turn>).',
    z
      .object({
        modelPath: z.string().min(1, 'choose a base model'),
        adapterPath: z.string().min(1).nullable().default(null),
        question: z.string().min(1, 'ask a question'),
        context: z.string(),
        maxNewTokens: z.number().int().positive().max(4096).default(256),
        temperature: z.number().min(0).max(5).default(0),
        topP: z.number().gt(0).max(1).default(1),
        seed: z.number().int().nonnegative().default(0),
        /** When set, the text so far arrives as `generate.token` events with this id while the model writes. */
        streamId: z.string().min(1).max(100).optional(),
      })
      .strict(),
    z.object({ text: z.string(), tokens: z.number().int(), finish: z.enum(['stop', 'length', 'cancelled']), tokensPerS: z.number() }),
  ),
  'jobs.list': request('Recent jobs, newest first.', empty, z.array(Job)),
  'jobs.get': request('One job.', z.object({ id: z.string() }).strict(), Job),
  'jobs.cancel': request(
    'Ask a running job to stop; it ends as cancelled.',
    z.object({ id: z.string() }).strict(),
    z.object({ cancelled: z.boolean() }),
  ),
  ...datasetRequests,
  ...exportRequests,
} as const;

export type Requests = typeof requests;
export type Method = keyof Requests;
export type Input<M extends Method> = z.input<Requests[M]['input']>;
export type Output<M extends Method> = z.infer<Requests[M]['output']>;

// ---------------------------------------------------------------- events

export const events = {
  'job.updated': Job,
  'engine.status': EngineStatus,
  'run.updated': RunRecord,
  'run.metrics': z.object({ runId: z.number(), point: MetricPoint, totalSteps: z.number().nullable() }),
  /** The text a `generate.sql` call with this streamId has written so far. */
  'generate.token': z.object({ streamId: z.string(), text: z.string() }),
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.infer<Events[E]>;

export const EventEnvelope = z.object({ event: z.string(), payload: z.unknown() });

// ---------------------------------------------------------------- errors

export const ErrorCode = z.enum([
  'invalid_input', // the request did not match its schema
  'unknown_method',
  'not_found',
  'conflict',
  'engine_crashed', // the engine process died while serving the request
  'out_of_memory', // the engine ran out of memory (wasm heap, V8, GPU); it is replaced
  'gpu_lost', // the GPU device was lost; the engine is replaced
  'cancelled',
  'unauthorized',
  'failed', // anything else; the message says what
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ApiErrorShape = z.object({
  code: ErrorCode,
  message: z.string(),
  /** Where: file, row, column, key, field path... */
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ApiErrorShape = z.infer<typeof ApiErrorShape>;

export const CallResult = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: ApiErrorShape }),
]);
export type CallResult = z.infer<typeof CallResult>;

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toShape(): ApiErrorShape {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }

  static from(shape: ApiErrorShape): ApiError {
    return new ApiError(shape.code, shape.message, shape.details);
  }
}

/** A readable one-line version of a zod error: "field.path: problem; other: problem". */
export function describeZodError(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(input)'}: ${i.message}`).join('; ');
}
