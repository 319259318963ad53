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

export const requests = {
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
  'jobs.list': request('Recent jobs, newest first.', empty, z.array(Job)),
  'jobs.get': request('One job.', z.object({ id: z.string() }).strict(), Job),
  'jobs.cancel': request(
    'Ask a running job to stop; it ends as cancelled.',
    z.object({ id: z.string() }).strict(),
    z.object({ cancelled: z.boolean() }),
  ),
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
