import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listCheckpoints, pruneCheckpoints, writeCheckpoint } from '../../src-main/train/checkpoint';
import { epochBatches, paddingWaste, seededRandom, shuffle } from '../../src-main/train/batching';
import { initialEarlyStopping, observeEvalLoss } from '../../src-main/train/early-stopping';
import { learningRateAt, warmupSteps } from '../../src-main/train/schedule';

describe('learning-rate schedule (transformers semantics)', () => {
  it('warms up linearly then follows a half cosine to zero', () => {
    // 100 steps, warmup ratio 0.1 -> 10 warmup steps
    expect(warmupSteps(100, 0.1)).toBe(10);
    expect(warmupSteps(1875, 0.1)).toBe(188);
    expect(learningRateAt('cosine', 2e-5, 0, 100, 0.1)).toBe(0);
    expect(learningRateAt('cosine', 2e-5, 5, 100, 0.1)).toBeCloseTo(1e-5, 12);
    expect(learningRateAt('cosine', 2e-5, 10, 100, 0.1)).toBeCloseTo(2e-5, 12);
    expect(learningRateAt('cosine', 2e-5, 55, 100, 0.1)).toBeCloseTo(1e-5, 12);
    expect(learningRateAt('cosine', 2e-5, 100, 100, 0.1)).toBeCloseTo(0, 12);
    expect(learningRateAt('linear', 1, 55, 100, 0.1)).toBeCloseTo(0.5, 12);
    expect(learningRateAt('constant', 1, 99, 100, 0.1)).toBe(1);
  });

  it("matches the seed's logged learning rates (r16 trainer_state, 1875 steps, lr 2e-5)", () => {
    // The Trainer logs, at global step s, the rate its s-th step used: our 0-based step s - 1.
    expect(learningRateAt('cosine', 2e-5, 9, 1875, 0.1)).toBeCloseTo(9.574468085106384e-7, 15);
    expect(learningRateAt('cosine', 2e-5, 399, 1875, 0.1)).toBeCloseTo(1.9237904266084445e-5, 15);
  });
});

describe('early stopping (EarlyStoppingCallback semantics)', () => {
  it('stops after `patience` evaluations without an improvement above the threshold', () => {
    const settings = { patience: 3, threshold: 0.01 };
    let state = initialEarlyStopping();
    const losses = [1.0, 0.9, 0.895, 0.893, 0.899];
    const stops: boolean[] = [];
    losses.forEach((loss, i) => {
      const r = observeEvalLoss(state, loss, (i + 1) * 25, settings);
      state = r.state;
      stops.push(r.stop);
    });
    expect(stops).toEqual([false, false, false, false, true]);
    // the best model still tracks the lowest loss, even an improvement under the threshold
    expect(state).toMatchObject({ best: 0.893, bestStep: 100, counter: 3 });
  });

  it('resets the counter on a real improvement', () => {
    const settings = { patience: 2, threshold: 0.01 };
    let s = initialEarlyStopping();
    s = observeEvalLoss(s, 1, 1, settings).state;
    s = observeEvalLoss(s, 1.2, 2, settings).state;
    expect(s.counter).toBe(1);
    const r = observeEvalLoss(s, 0.5, 3, settings);
    expect(r).toMatchObject({ improved: true, isBest: true, stop: false, state: { counter: 0, best: 0.5, bestStep: 3 } });
  });
});

describe('batching', () => {
  it('is a permutation, reproducible from (seed, epoch), different across epochs', () => {
    const lengths = Array.from({ length: 500 }, (_, i) => 20 + ((i * 37) % 300));
    const a = epochBatches(lengths, 4, 42, 0);
    expect(a.flat().sort((x, y) => x - y)).toEqual(lengths.map((_, i) => i));
    expect(epochBatches(lengths, 4, 42, 0)).toEqual(a);
    expect(epochBatches(lengths, 4, 42, 1)).not.toEqual(a);
    expect(epochBatches(lengths, 4, 43, 0)).not.toEqual(a);
  });

  it('groups by length: far less padding than a plain shuffle', () => {
    const random = seededRandom(7);
    const lengths = Array.from({ length: 2000 }, () => 30 + Math.floor(random() * 400));
    const grouped = paddingWaste(epochBatches(lengths, 8, 42, 0), lengths);
    const order = shuffle(lengths.map((_, i) => i), seededRandom(1));
    const plain = paddingWaste(Array.from({ length: 250 }, (_, b) => order.slice(b * 8, b * 8 + 8)), lengths);
    expect(plain).toBeGreaterThan(0.3);
    expect(grouped).toBeLessThan(0.05);
  });

  it('seededRandom is deterministic and uniform-ish', () => {
    const r1 = seededRandom(42);
    const r2 = seededRandom(42);
    const xs = Array.from({ length: 10000 }, () => r1());
    expect(Array.from({ length: 10000 }, () => r2())).toEqual(xs);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
  });
});

describe('checkpoints', () => {
  it('writes atomically, ignores half-written folders and keeps the newest plus the best', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    for (const step of [50, 100, 150, 200]) {
      await writeCheckpoint(runDir, step, (dir) => writeFileSync(join(dir, 'state.json'), JSON.stringify({ step })));
    }
    // a crash mid-write leaves a temp folder behind and a failing writer leaves nothing
    mkdirSync(join(runDir, '.checkpoint-250.tmp-dead'));
    await expect(writeCheckpoint(runDir, 300, () => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
    expect(listCheckpoints(runDir)).toEqual([50, 100, 150, 200]);
    expect(JSON.parse(readFileSync(join(runDir, 'checkpoint-100', 'state.json'), 'utf8'))).toEqual({ step: 100 });

    expect(pruneCheckpoints(runDir, 2, 50)).toEqual([100, 150]);
    expect(listCheckpoints(runDir)).toEqual([50, 200]);
    expect(readdirSync(runDir).sort()).toEqual(['checkpoint-200', 'checkpoint-50']);
  });
});
