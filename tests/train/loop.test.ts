import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src-main/train/batching';
import { listCheckpoints } from '../../src-main/train/checkpoint';
import { SEED_RECIPE, type TrainConfig } from '../../src-main/train/config';
import { type EncodedExample, type TrainEvent, train } from '../../src-main/train/trainer';
import { BigramModel } from '../helpers/bigram-model';

const V = 12;
/** Sequences following a fixed cycle with a little noise; the first 3 tokens are "prompt". */
function makeData(n: number, seed: number): EncodedExample[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const len = 6 + Math.floor(random() * 10);
    let tok = Math.floor(random() * V);
    const ids = [tok];
    for (let i = 1; i < len; i++) ids.push((tok = random() < 0.9 ? (tok + 1) % V : Math.floor(random() * V)));
    return { inputIds: ids, labels: ids.map((t, i) => (i < 3 ? -100 : t)) };
  });
}

const config = (over: Partial<TrainConfig> = {}): TrainConfig => ({
  ...SEED_RECIPE,
  modelPath: '/unused',
  datasetId: 1,
  learningRate: 0.05,
  epochs: 2,
  gradAccumulation: 4,
  loggingSteps: 5,
  evalSteps: 10,
  saveSteps: 10,
  ...over,
});
const tempRun = () => mkdtempSync(join(tmpdir(), 'run-'));

describe('training loop', () => {
  it('lowers the loss, logs, evaluates and checkpoints on schedule', async () => {
    const events: TrainEvent[] = [];
    const result = await train({ config: config(), train: makeData(200, 1), validation: makeData(40, 2), runDir: tempRun(), model: new BigramModel(V), onEvent: (e) => events.push(e) });
    const logs = events.filter((e) => e.kind === 'log');
    const evals = events.filter((e) => e.kind === 'eval');
    expect(result).toMatchObject({ stop: 'completed', steps: 100, totalSteps: 100 });
    expect(logs.map((l) => l.step)).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95, 100]);
    expect(evals.map((e) => e.step)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(logs.at(-1)!.loss).toBeLessThan(logs[0].loss * 0.6);
    expect(evals.at(-1)!.evalLoss).toBeLessThan(evals[0].evalLoss);
    expect(logs[0].learningRate).toBeCloseTo(0.05 * (4 / 10), 10); // warmup: 10 steps, logged after the 5th (index 4)
    expect(result.epochs).toBeCloseTo(2, 5);
    expect(existsSync(result.finalAdapter)).toBe(true);
  });

  it('stops early when the validation loss plateaus and keeps the best checkpoint', async () => {
    // Validation data the model cannot learn (uniformly random tokens): eval_loss stops improving.
    const random = seededRandom(9);
    const noise = Array.from({ length: 30 }, () => {
      const ids = Array.from({ length: 12 }, () => Math.floor(random() * V));
      return { inputIds: ids, labels: ids };
    });
    const runDir = tempRun();
    const result = await train({ config: config({ epochs: 20, evalSteps: 5, saveSteps: 1000, saveTotalLimit: 2 }), train: makeData(200, 1), validation: noise, runDir, model: new BigramModel(V) });
    expect(result.stop).toBe('early_stopping');
    expect(result.steps).toBeLessThan(1000);
    expect(result.stoppedBecause).toMatch(/did not improve by more than 0.01 for 3 evaluations/);
    expect(listCheckpoints(runDir)).toContain(result.bestStep);
    expect(result.bestCheckpoint).toBe(join(runDir, `checkpoint-${result.bestStep}`));
  });

  it('accumulation of 8 x batch 1 gives the same update as one batch of 8', async () => {
    const data = makeData(8, 3);
    const a = new BigramModel(V);
    for (const ex of data) await a.accumulate([ex]);
    const b = new BigramModel(V);
    await b.accumulate(data);
    const tokens = data.reduce((s, e) => s + e.labels.slice(1).filter((l) => l !== -100).length, 0);
    await a.step({ tokens, lr: 0.1, weightDecay: 0.01, maxGradNorm: 1 });
    await b.step({ tokens, lr: 0.1, weightDecay: 0.01, maxGradNorm: 1 });
    const [[sa], [sb]] = [await a.readStats(), await b.readStats()];
    expect(sa.gradNorm).toBeCloseTo(sb.gradNorm, 12);
    expect(sa.lossSum).toBeCloseTo(sb.lossSum, 12);
    a.w.forEach((x, i) => expect(x).toBeCloseTo(b.w[i], 12));
  });

  it('a run paused (or killed) and resumed ends with the same weights as one never interrupted', async () => {
    const trainSet = makeData(120, 4);
    const validation = makeData(20, 5);
    const cfg = config({ epochs: 3, evalSteps: 10, saveSteps: 10 });
    const straight = new BigramModel(V);
    await train({ config: cfg, train: trainSet, validation, runDir: tempRun(), model: straight });

    const runDir = tempRun();
    let steps = 0;
    const first = await train({ config: cfg, train: trainSet, validation, runDir, model: new BigramModel(V), shouldPause: () => ++steps > 37 });
    expect(first).toMatchObject({ stop: 'paused', steps: 37 });
    // A fresh process: a new model object, state only from the checkpoint on disk.
    const resumedModel = new BigramModel(V);
    const second = await train({ config: cfg, train: trainSet, validation, runDir, model: resumedModel, resume: true });
    expect(second).toMatchObject({ stop: 'completed', steps: 90 });
    resumedModel.w.forEach((x, i) => expect(x).toBeCloseTo(straight.w[i], 12));
  });

  it('stops a diverging run with the reason and points at the last good checkpoint', async () => {
    const model = new BigramModel(V);
    const original = model.step.bind(model);
    let steps = 0;
    // Weights that blow up after step 25, as an unstable run's do: step 26's loss is NaN.
    model.step = async (options) => {
      await original(options);
      if (++steps === 25) model.w.fill(Number.NaN);
    };
    const runDir = tempRun();
    const result = await train({ config: config({ epochs: 5, saveSteps: 10, evalSteps: 10 }), train: makeData(200, 1), validation: makeData(20, 2), runDir, model });
    expect(result.stop).toBe('diverged');
    expect(result.stoppedBecause).toMatch(/loss became NaN at step 26; the last good checkpoint \(step 20\) is kept/);
    expect(result.finalAdapter).toBe(join(runDir, 'checkpoint-20'));
    // Losses are read once per logging interval (5 steps): the NaN shows at step 30, before its checkpoint is written.
    expect(result.steps).toBe(30);
    expect(listCheckpoints(runDir)).toEqual([10, 20]);
    expect(existsSync(join(runDir, 'final'))).toBe(false);
  });

  it('reads losses and norms once per logging interval and before each evaluation or checkpoint, and trains the same as reading every step', async () => {
    const run = async (loggingSteps: number) => {
      const model = new BigramModel(V);
      const events: TrainEvent[] = [];
      // 100 steps, evaluations every 20, checkpoints every 25 (steps 25 and 75 fall between logs of 10).
      const result = await train({ config: config({ loggingSteps, evalSteps: 20, saveSteps: 25 }), train: makeData(200, 1), validation: makeData(20, 2), runDir: tempRun(), model, onEvent: (e) => events.push(e) });
      return { model, result, logs: events.filter((e) => e.kind === 'log') };
    };
    const everyStep = await run(1);
    const lazy = await run(10);
    expect(everyStep.model.reads).toBe(100);
    expect(lazy.model.reads).toBe(12);
    expect(lazy.result.trainLoss!).toBeCloseTo(everyStep.result.trainLoss!, 12);
    lazy.model.w.forEach((x, i) => expect(x).toBeCloseTo(everyStep.model.w[i], 12));
    // A log line's norm is its own step's, not one read earlier.
    expect(lazy.logs.map((l) => l.step)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    for (const l of lazy.logs) expect(l.gradNorm).toBeCloseTo(everyStep.logs[l.step - 1].gradNorm, 12);
  });

  it('cancels at the next step boundary', async () => {
    const controller = new AbortController();
    const result = await train({
      config: config(),
      train: makeData(200, 1),
      validation: [],
      runDir: tempRun(),
      model: new BigramModel(V),
      signal: controller.signal,
      onEvent: (e) => e.kind === 'log' && e.step === 10 && controller.abort(),
    });
    expect(result).toMatchObject({ stop: 'cancelled', steps: 10 });
  });

  it('cancels between the micro-batches of a step, not only at its end', async () => {
    const controller = new AbortController();
    const model = new BigramModel(V);
    const original = model.accumulate.bind(model);
    let calls = 0;
    model.accumulate = async (...args) => {
      if (++calls === 3) controller.abort();
      return original(...args);
    };
    const result = await train({ config: config({ gradAccumulation: 8 }), train: makeData(200, 1), validation: [], runDir: tempRun(), model, signal: controller.signal });
    expect(result).toMatchObject({ stop: 'cancelled', steps: 0 });
    expect(calls).toBe(3);
  });
});
