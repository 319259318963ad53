import { z } from 'zod';
import { BackendInfo, BackendName, ErrorCode } from '../api/contract';
import { TrainConfig } from '../train/config';

/** A dataset row as the engine formats it (the seed's prompt through the model's chat template). */
export const RawExample = z.object({
  prompt: z.string(),
  context: z.string(),
  sql: z.string(),
  explanation: z.string().nullable(),
});
export type RawExample = z.infer<typeof RawExample>;

export const TrainResultSchema = z.object({
  stop: z.enum(['completed', 'max_steps', 'early_stopping', 'diverged', 'paused', 'cancelled']),
  stoppedBecause: z.string(),
  steps: z.number(),
  totalSteps: z.number(),
  epochs: z.number(),
  tokens: z.number(),
  runtimeS: z.number(),
  tokensPerS: z.number(),
  trainLoss: z.number().nullable(),
  bestEvalLoss: z.number().nullable(),
  bestStep: z.number().nullable(),
  bestCheckpoint: z.string().nullable(),
  finalAdapter: z.string(),
  examples: z.object({ train: z.number(), validation: z.number(), truncated: z.number(), dropped: z.number() }),
});
export type TrainResultMessage = z.infer<typeof TrainResultSchema>;

/**
 * Messages between the main process and the engine process (Electron
 * utilityProcess in the app, a Node child process under the CLI). Like the API
 * contract, every operation is declared once with its payload and result schema,
 * and both sides validate what they receive.
 */
const op = <P extends z.ZodType, R extends z.ZodType>(payload: P, result: R) => ({ payload, result });

export const engineOps = {
  /** Load tfjs and pick the backend; the first message after start. */
  init: op(z.object({ backend: z.union([z.literal('auto'), BackendName]) }), BackendInfo),
  benchMatmul: op(
    z.object({ size: z.number().int().positive(), repeats: z.number().int().positive() }),
    z.object({ backend: BackendName, gflops: z.number(), ms: z.number() }),
  ),
  /** Train a LoRA adapter; streams TrainEvents (log / eval / checkpoint) and a 'prepared' event. */
  train: op(
    z.object({
      config: TrainConfig,
      runDir: z.string(),
      resume: z.boolean(),
      train: z.array(RawExample),
      validation: z.array(RawExample),
    }),
    TrainResultSchema,
  ),
  /** Generate SQL for questions with a base model and optionally a LoRA adapter; streams 'progress' events. */
  generate: op(
    z.object({
      modelPath: z.string().min(1),
      adapterPath: z.string().min(1).nullable(),
      items: z.array(z.object({ question: z.string(), context: z.string() })).min(1),
      maxNewTokens: z.number().int().positive().max(4096),
      temperature: z.number().min(0).max(5),
      topP: z.number().gt(0).max(1),
      seed: z.number().int().nonnegative(),
      batchSize: z.number().int().positive().max(256),
      /** Emit `{ kind: 'token', text }` (the first prompt's text so far) after every decoding step. */
      stream: z.boolean().optional(),
    }),
    z.object({
      outputs: z.array(z.object({ text: z.string(), tokens: z.number().int(), finish: z.enum(['stop', 'length', 'cancelled']) })),
      tokensPerS: z.number(),
      memoryBytes: z.number(),
    }),
  ),
} as const;

export type EngineOps = typeof engineOps;
export type EngineOp = keyof EngineOps;
export type OpPayload<O extends EngineOp> = z.infer<EngineOps[O]['payload']>;
export type OpResult<O extends EngineOp> = z.infer<EngineOps[O]['result']>;

export const ToEngine = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('request'), id: z.number().int(), op: z.string(), payload: z.unknown() }),
  z.object({ kind: z.literal('cancel'), id: z.number().int() }),
  /** Ask a long request (training) to stop at its next safe point, keeping its state. */
  z.object({ kind: z.literal('pause'), id: z.number().int() }),
]);
export type ToEngine = z.infer<typeof ToEngine>;

/** Failures after which the engine process is replaced (its heap or GPU device cannot be trusted). */
export const EngineFailure = ErrorCode.extract(['out_of_memory', 'gpu_lost']);
export type EngineFailure = z.infer<typeof EngineFailure>;

export const FromEngine = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('result'), id: z.number().int(), result: z.unknown() }),
  z.object({ kind: z.literal('error'), id: z.number().int(), message: z.string(), code: EngineFailure.optional(), cancelled: z.boolean().optional() }),
  /** Progress or streamed output of a request (metrics, tokens...). */
  z.object({ kind: z.literal('event'), id: z.number().int(), event: z.unknown() }),
  /** Engine-wide log line (warnings from tfjs, memory notes). */
  z.object({ kind: z.literal('log'), level: z.enum(['info', 'warn', 'error']), message: z.string() }),
]);
export type FromEngine = z.infer<typeof FromEngine>;
