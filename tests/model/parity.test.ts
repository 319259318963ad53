import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { fixture, haveFixtures } from '../helpers/fixtures';
import { openParityFixture, PARITY_CHECKS, type ParityFixture } from '../helpers/parity-checks';
import { webgpuAdapter } from '../helpers/webgpu';

/**
 * The engine against transformers/PEFT on the tiny Gemma 3 fixture (the checks and
 * their bounds: tests/helpers/parity-checks.ts). On webgpu too where Dawn finds an
 * adapter (lavapipe on a CPU box, so CI checks the path a Mac's Metal runs).
 */
describe.skipIf(!haveFixtures).each(['wasm', 'cpu', ...(webgpuAdapter ? (['webgpu'] as const) : [])] as const)('Gemma 3 + LoRA parity with transformers/PEFT on %s', (backend) => {
  let f: ParityFixture;
  beforeAll(async () => {
    await initBackend(backend);
    f = openParityFixture(fixture('gemma3-tiny'));
  });
  afterAll(() => f?.close());

  for (const check of PARITY_CHECKS) {
    it(check.name, async () => {
      for (const m of await check.measure(f)) expect(m.value, m.what).toBeLessThanOrEqual(m.bound);
    });
  }
});
