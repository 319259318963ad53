import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { fixture, haveFixtures } from '../helpers/fixtures';
import { openParityFixture, PARITY_CHECKS, type ParityFixture } from '../helpers/parity-checks';
import { webgpuAdapter } from '../helpers/webgpu';

/**
 * The engine against transformers/PEFT on the tiny Gemma 3 fixture (the checks and
 * their bounds: tests/helpers/parity-checks.ts). On webgpu too where Dawn finds an
 * adapter (lavapipe on a CPU box, so CI checks the path a Mac's Metal runs), once with
 * the frozen weights in float32 (Engine I's bounds) and once in float16, webgpu's
 * default storage (looser, measured bounds).
 */
const variants = [
  { backend: 'wasm', weights: 'float32' },
  { backend: 'cpu', weights: 'float32' },
  ...(webgpuAdapter
    ? [
        { backend: 'webgpu', weights: 'float32' },
        { backend: 'webgpu', weights: 'float16' },
      ]
    : []),
] as { backend: 'wasm' | 'cpu' | 'webgpu'; weights: 'float32' | 'float16' }[];

describe.skipIf(!haveFixtures).each(variants)('Gemma 3 + LoRA parity with transformers/PEFT on $backend, $weights weights', ({ backend, weights }) => {
  let f: ParityFixture;
  beforeAll(async () => {
    await initBackend(backend);
    // Storage is chosen when the model is built.
    if (weights === 'float32') process.env.SQLORA_WEIGHTS = 'float32';
    try {
      f = openParityFixture(fixture('gemma3-tiny'));
    } finally {
      delete process.env.SQLORA_WEIGHTS;
    }
    expect(f.model.halfWeights).toBe(weights === 'float16');
  });
  afterAll(() => f?.close());

  for (const check of PARITY_CHECKS) {
    it(check.name, async () => {
      for (const m of await check.measure(f)) expect(m.value, m.what).toBeLessThanOrEqual(m.bound);
    });
  }
});
