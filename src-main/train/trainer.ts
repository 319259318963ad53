import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { epochBatches } from './batching';
import { checkpointName, listCheckpoints, pruneCheckpoints, writeCheckpoint, writeFileDurable } from './checkpoint';
import type { TrainConfig } from './config';
import { type EarlyStoppingState, initialEarlyStopping, observeEvalLoss } from './early-stopping';
import { learningRateAt } from './schedule';

/**
 * The training loop, readable in one sitting: epochs of length-grouped batches,
 * gradient accumulation, clipping, AdamW, the learning-rate schedule, logging,
 * evaluation with early stopping, checkpoints, pause/cancel and resume.
 * The tensor work sits behind `StepModel` (implemented by the engine), so this file
 * is about the recipe, not about tensors.
 */

/** One tokenised example: prompt tokens carry label -100. */
export interface EncodedExample {
  inputIds: number[];
  labels: number[];
}

/**
 * What the loop needs from the model. Gradients and the loss accumulate inside it
 * between `step`s; losses and gradient norms stay with it (on a GPU, on the device) until
 * `readStats`, which the loop calls once per logging interval, so a step never waits on a
 * round trip to the host.
 */
export interface StepModel {
  /**
   * Forward + backward on a micro-batch; adds d(sum of token losses)/dθ and the loss sum
   * to the accumulator. Returns the number of labelled tokens. `position` counts
   * micro-batches from the start of the run (resumes included), so anything random in
   * it - LoRA dropout - is the same whether or not the run was interrupted.
   */
  accumulate(batch: EncodedExample[], position: number): Promise<{ tokens: number }>;
  /**
   * Scale the accumulated gradients by 1/tokens (so accumulation of 8 x batch 1
   * equals batch 8, as in transformers), clip to maxGradNorm, take one AdamW step
   * at `lr`, zero the accumulator.
   */
  step(options: { tokens: number; lr: number; weightDecay: number; maxGradNorm: number }): Promise<void>;
  /** Loss sum and gradient norm before clipping of every step since the last call, oldest first. */
  readStats(): Promise<StepStats[]>;
  /** Mean token loss over examples, no gradients, dropout off. */
  evalLoss(examples: EncodedExample[], batchSize: number): Promise<number>;
  /** Adapter (PEFT format) + optimiser state + dropout RNG into `dir`. */
  save(dir: string, options: { withOptimizer: boolean }): Promise<void>;
  /** Restore what `save` wrote (with the optimiser). */
  load(dir: string): Promise<void>;
  /** Bytes the backend holds now. */
  memoryBytes(): number;
}

export interface StepStats {
  lossSum: number;
  gradNorm: number;
}

export interface LogEvent {
  kind: 'log';
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  learningRate: number;
  gradNorm: number;
  tokensPerS: number;
  elapsedS: number;
  etaS: number;
  memoryBytes: number;
}
export interface EvalEvent {
  kind: 'eval';
  step: number;
  epoch: number;
  evalLoss: number;
  isBest: boolean;
}
export interface CheckpointEvent {
  kind: 'checkpoint';
  step: number;
  path: string;
  evalLoss: number | null;
  isBest: boolean;
  removed: number[];
}
export type TrainEvent = LogEvent | EvalEvent | CheckpointEvent;

export type StopReason = 'completed' | 'max_steps' | 'early_stopping' | 'diverged' | 'paused' | 'cancelled';

export interface TrainResult {
  stop: StopReason;
  stoppedBecause: string;
  steps: number;
  totalSteps: number;
  epochs: number;
  tokens: number;
  runtimeS: number;
  tokensPerS: number;
  trainLoss: number | null;
  bestEvalLoss: number | null;
  bestStep: number | null;
  bestCheckpoint: string | null;
  finalAdapter: string;
}

/** Everything a resumed run needs besides the model's own files. */
interface LoopState {
  step: number;
  /** Position in the data: the next batch is batches(epoch)[batchIndex]. */
  epoch: number;
  batchIndex: number;
  tokens: number;
  lossSum: number;
  lossTokens: number;
  elapsedS: number;
  early: EarlyStoppingState;
  lastGoodCheckpoint: number | null;
}
const STATE_FILE = 'loop_state.json';

export interface TrainOptions {
  config: TrainConfig;
  train: EncodedExample[];
  validation: EncodedExample[];
  runDir: string;
  model: StepModel;
  /** Abort to cancel; `pause()` returning true ends the run at the next step boundary with a checkpoint. */
  signal?: AbortSignal;
  shouldPause?: () => boolean;
  /** Continue from the newest checkpoint in runDir. */
  resume?: boolean;
  onEvent?: (event: TrainEvent) => void;
}

export function totalOptimizerSteps(config: TrainConfig, examples: number): number {
  const perEpoch = Math.ceil(Math.ceil(examples / config.batchSize) / config.gradAccumulation);
  const all = Math.ceil(perEpoch * config.epochs);
  return config.maxSteps === null ? all : Math.min(all, config.maxSteps);
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const { config, model, runDir } = options;
  if (options.train.length === 0) throw new Error('The training split has no examples.');
  const emit = options.onEvent ?? (() => {});
  const lengths = options.train.map((e) => e.inputIds.length);
  const batchesOf = (epoch: number) => epochBatches(lengths, config.batchSize, config.seed, epoch);
  const batchesPerEpoch = Math.ceil(options.train.length / config.batchSize);
  const totalSteps = totalOptimizerSteps(config, options.train.length);
  const evalSet = config.evalLimit === null ? options.validation : options.validation.slice(0, config.evalLimit);

  let state: LoopState = { step: 0, epoch: 0, batchIndex: 0, tokens: 0, lossSum: 0, lossTokens: 0, elapsedS: 0, early: initialEarlyStopping(), lastGoodCheckpoint: null };
  if (options.resume) {
    const last = listCheckpoints(runDir).at(-1);
    if (last !== undefined && existsSync(join(runDir, checkpointName(last), STATE_FILE))) {
      await model.load(join(runDir, checkpointName(last)));
      state = JSON.parse(readFileSync(join(runDir, checkpointName(last), STATE_FILE), 'utf8')) as LoopState;
    }
  }

  const started = performance.now() / 1000 - state.elapsedS;
  const elapsed = () => performance.now() / 1000 - started;
  let windowTokens = 0;
  let windowStart = elapsed();
  let windowLoss = 0;
  let windowLossTokens = 0;
  let gradNorm = Number.NaN;
  let epochBatchList = batchesOf(state.epoch);

  // Steps taken whose loss and norm the model still holds. They are read all at once at
  // each logging step and before an evaluation, a checkpoint or the end - so a
  // checkpoint never holds weights from a step whose loss was not finite.
  let unread: { step: number; tokens: number }[] = [];
  /** Takes the unread steps into the totals; says why the run diverged, if one did. */
  const readStats = async (): Promise<string | null> => {
    if (!unread.length) return null;
    const stats = await model.readStats();
    const steps = unread;
    unread = [];
    if (stats.length !== steps.length) throw new Error(`the model reported ${stats.length} steps, the loop took ${steps.length}`);
    for (const [i, { lossSum, gradNorm: norm }] of stats.entries()) {
      const { step, tokens } = steps[i];
      const loss = lossSum / Math.max(tokens, 1);
      if (!Number.isFinite(loss)) {
        const kept = state.lastGoodCheckpoint === null ? 'no checkpoint had been written yet' : `the last good checkpoint (step ${state.lastGoodCheckpoint}) is kept`;
        return `diverged: the loss became ${loss} at step ${step}; ${kept}`;
      }
      state.lossSum += lossSum;
      state.lossTokens += tokens;
      windowLoss += lossSum;
      windowLossTokens += tokens;
      gradNorm = norm;
    }
    return null;
  };

  const checkpoint = async (evalLoss: number | null, isBest: boolean) => {
    const snapshot: LoopState = { ...state, elapsedS: elapsed(), lastGoodCheckpoint: state.step };
    const path = await writeCheckpoint(runDir, state.step, async (dir) => {
      await model.save(dir, { withOptimizer: true });
      writeFileDurable(join(dir, STATE_FILE), JSON.stringify(snapshot));
    });
    state.lastGoodCheckpoint = state.step;
    const removed = pruneCheckpoints(runDir, config.saveTotalLimit, state.early.bestStep);
    emit({ kind: 'checkpoint', step: state.step, path, evalLoss, isBest, removed });
  };

  const finish = async (requested: StopReason, requestedBecause: string): Promise<TrainResult> => {
    const diverged = await readStats();
    const stop = diverged ? 'diverged' : requested;
    const stoppedBecause = diverged ?? requestedBecause;
    const finalAdapter = join(runDir, 'final');
    if (stop !== 'diverged') await model.save(finalAdapter, { withOptimizer: false });
    const runtimeS = elapsed();
    return {
      stop,
      stoppedBecause,
      steps: state.step,
      totalSteps,
      epochs: state.epoch + state.batchIndex / batchesPerEpoch,
      tokens: state.tokens,
      runtimeS,
      tokensPerS: state.tokens / Math.max(runtimeS, 1e-9),
      trainLoss: state.lossTokens ? state.lossSum / state.lossTokens : null,
      bestEvalLoss: state.early.best,
      bestStep: state.early.bestStep,
      bestCheckpoint: state.early.bestStep === null ? null : join(runDir, checkpointName(state.early.bestStep)),
      finalAdapter: stop === 'diverged' && state.lastGoodCheckpoint !== null ? join(runDir, checkpointName(state.lastGoodCheckpoint)) : finalAdapter,
    };
  };

  while (state.step < totalSteps) {
    if (options.signal?.aborted) return finish('cancelled', 'cancelled by the user');
    if (options.shouldPause?.()) {
      const diverged = await readStats();
      if (diverged) return finish('diverged', diverged);
      await checkpoint(null, false);
      return finish('paused', `paused at step ${state.step}`);
    }

    // One optimiser step = gradAccumulation micro-batches.
    let stepTokens = 0;
    for (let micro = 0; micro < config.gradAccumulation; micro++) {
      // Cancel between micro-batches too: an optimiser step of the seed's 1 x 8 can take minutes on a CPU.
      if (micro > 0 && options.signal?.aborted) return finish('cancelled', 'cancelled by the user');
      if (state.batchIndex >= epochBatchList.length) {
        state.epoch += 1;
        state.batchIndex = 0;
        epochBatchList = batchesOf(state.epoch);
      }
      const batch = epochBatchList[state.batchIndex++].map((i) => options.train[i]);
      const { tokens } = await model.accumulate(batch, state.step * config.gradAccumulation + micro + 1);
      stepTokens += tokens;
    }
    const lr = learningRateAt(config.scheduler, config.learningRate, state.step, totalSteps, config.warmupRatio);
    await model.step({ tokens: stepTokens, lr, weightDecay: config.weightDecay, maxGradNorm: config.maxGradNorm });
    state.step += 1;
    state.tokens += stepTokens;
    windowTokens += stepTokens;
    unread.push({ step: state.step, tokens: stepTokens });
    const epoch = state.epoch + state.batchIndex / batchesPerEpoch;

    const log = state.step % config.loggingSteps === 0 || state.step === totalSteps;
    const evaluate = evalSet.length > 0 && (state.step % config.evalSteps === 0 || state.step === totalSteps);
    const save = state.step % config.saveSteps === 0;
    if (log || evaluate || save) {
      const diverged = await readStats();
      if (diverged) return finish('diverged', diverged);
    }

    if (log) {
      const now = elapsed();
      const rate = windowTokens / Math.max(now - windowStart, 1e-9);
      emit({
        kind: 'log',
        step: state.step,
        totalSteps,
        epoch,
        loss: windowLoss / Math.max(windowLossTokens, 1),
        learningRate: lr,
        gradNorm,
        tokensPerS: rate,
        elapsedS: now,
        etaS: ((totalSteps - state.step) * now) / state.step,
        memoryBytes: model.memoryBytes(),
      });
      windowTokens = 0;
      windowLoss = 0;
      windowLossTokens = 0;
      windowStart = now;
    }

    let stopEarly = false;
    if (evaluate) {
      const evalLoss = await model.evalLoss(evalSet, config.batchSize);
      const observed = observeEvalLoss(state.early, evalLoss, state.step, config.earlyStopping);
      state.early = observed.state;
      emit({ kind: 'eval', step: state.step, epoch, evalLoss, isBest: observed.isBest });
      // Keep the best model: a new best is always checkpointed.
      if (observed.isBest || save) await checkpoint(evalLoss, observed.isBest);
      stopEarly = config.earlyStopping.enabled && observed.stop;
    } else if (save) {
      await checkpoint(null, false);
    }
    if (stopEarly) {
      return finish(
        'early_stopping',
        `early stopping: eval_loss did not improve by more than ${config.earlyStopping.threshold} for ${config.earlyStopping.patience} evaluations`,
      );
    }
  }
  return finish(config.maxSteps !== null && state.step >= config.maxSteps ? 'max_steps' : 'completed', `completed all ${totalSteps} steps`);
}
