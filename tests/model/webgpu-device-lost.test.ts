import * as tf from '@tensorflow/tfjs-core';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { describeEngineError } from '../../src-main/engine/errors';
import { Gemma3Model } from '../../src-main/model/gemma3';
import { generate } from '../../src-main/model/generate';
import { LoraAdapter } from '../../src-main/model/lora';
import { LoraStepModel } from '../../src-main/model/lora-training';
import { webgpuAdapter } from '../helpers/webgpu';

/**
 * A real WebGPU device lost mid-session (destroyed here; a driver reset or sleep on a
 * user's machine): training, evaluation and generation each fail at once - no hang - as
 * gpu_lost, so the host starts a fresh engine. Before, a read-back on the lost device
 * rejected with a bare AbortError and the user saw an empty message. Its own file: the
 * device stays lost for the rest of the process.
 */
describe.skipIf(!webgpuAdapter)('a lost WebGPU device', () => {
  it('fails the next micro-batch, evaluation and generation as gpu_lost, naming the reason', async () => {
    await initBackend('webgpu');
    const model = Gemma3Model.load(resolve(import.meta.dirname, '../../resources/models/sqlora-tiny-gemma3'));
    const step = new LoraStepModel(model, LoraAdapter.create(model.config, { r: 4, alpha: 8, dropout: 0, targets: ['q_proj', 'v_proj'] }, 1), { baseModel: null });
    const batch = [{ inputIds: [2, 40, 41, 42], labels: [-100, 41, 42, 43] }];
    expect((await step.accumulate(batch, 1)).tokens).toBe(3);

    (tf.backend() as unknown as { device: GPUDevice }).device.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const runs: [string, () => Promise<unknown>][] = [
      ['evaluate', () => step.evalLoss(batch, 1)],
      ['generate', () => generate(model, [[2, 40]], { maxNewTokens: 2 })],
      ['train', () => step.accumulate(batch, 2)],
    ];
    for (const [op, run] of runs) {
      const error = await run().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, op).not.toBeNull();
      expect(describeEngineError(op, error)).toEqual({
        code: 'gpu_lost',
        message: expect.stringMatching(new RegExp(`^The GPU was lost while running ${op} .*\\(GPU device was lost \\(destroyed\\): device was destroyed`)),
      });
    }
  }, 60_000);
});
