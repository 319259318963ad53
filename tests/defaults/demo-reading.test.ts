import { describe, expect, it } from 'vitest';
import { type DemoRow, demoReading } from '../../src-main/defaults/demo';

/** The demo's one-sentence reading of its table: the target met, or why 0% is not a broken tool. */
const row = (name: string, correct: number): DemoRow =>
  ({ name, rank: null, steps: null, bestEvalLoss: null, trainSeconds: null, evalSeconds: 1, metrics: { execution: { accuracy: correct / 100, correct, scored: 100 } } }) as unknown as DemoRow;

describe('demoReading', () => {
  it('says the target is met only when every adapter gains 20 points, naming the least gain', () => {
    expect(demoReading([row('baseline', 10), row('demo r4', 35), row('demo r8', 30), row('demo r16', 41)])).toBe(
      'Every LoRA run beats the baseline on execution accuracy by 20 points or more (the least: demo r8, +20.0).',
    );
  });

  it('otherwise names the best and weakest gains, the reason and the way to accurate SQL', () => {
    const reading = demoReading([row('baseline', 0), row('demo r4', 0), row('demo r8', 25), row('demo r16', 3)]);
    expect(reading).toMatch(/^Not every LoRA run beats the baseline by 20 points on execution accuracy \(best demo r8, \+25\.0; weakest demo r4, \+0\.0\)\./);
    expect(reading).toContain('rarely picks the right table and columns');
    expect(reading).toContain('sqlora model download google/gemma-3-1b-it');
  });

  it('on a model the user named, blames the scaled recipe, not the built-in model', () => {
    const reading = demoReading([row('baseline', 0), row('demo r4', 5), row('demo r8', 25), row('demo r16', 3)], false);
    expect(reading).toMatch(/^Not every LoRA run/);
    expect(reading).toContain("scaled for the built-in tiny model (60 steps at learning rate 0.0005)");
    expect(reading).not.toContain('built-in model is tiny');
  });
});
