import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { describeEngineError } from '../../src-main/engine/errors';
import { parseGemma3Config } from '../../src-main/model/config';
import { watchDeviceErrors } from '../../src-main/model/device-limits';
import { Gemma3Model } from '../../src-main/model/gemma3';
import { LoraAdapter } from '../../src-main/model/lora';
import { lossAndGrads, LoraStepModel, makeBatch } from '../../src-main/model/lora-training';
import { pretrain } from '../../src-main/defaults/pretrain';

/**
 * tfjs-webgpu never looks at GPU errors, so an out-of-memory on the GPU would leave
 * training going on with garbage. The engine listens to the device and fails the next
 * step. A stand-in device reports the errors here; the step is a real one on wasm.
 */
class GPUOutOfMemoryError {
  constructor(readonly message: string) {}
}
class GPUValidationError {
  constructor(readonly message: string) {}
}

describe('GPU errors during training', () => {
  let loseDevice: (info: { reason: string; message: string }) => void;
  const device = {
    onuncapturederror: null as ((event: { error: { message: string } }) => void) | null,
    lost: new Promise<{ reason: string; message: string }>((resolve) => (loseDevice = resolve)),
  };
  let step: LoraStepModel;
  const batch = [{ inputIds: [2, 5, 9, 11], labels: [-100, 5, 9, 11] }];
  const failure = async (run: () => Promise<unknown>) => {
    const error = await run().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    return describeEngineError('train', error);
  };

  beforeAll(async () => {
    await initBackend('wasm');
    const config = parseGemma3Config({ model_type: 'gemma3_text', vocab_size: 64, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, head_dim: 8 });
    const model = Gemma3Model.withRandomWeights(config, 1);
    step = new LoraStepModel(model, LoraAdapter.create(config, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj'] }, 1), { baseModel: null });
    watchDeviceErrors(device);
  });

  it('an out-of-memory reported by the device fails the next micro-batch as out_of_memory, once', async () => {
    await step.accumulate(batch, 1);
    device.onuncapturederror!({ error: new GPUOutOfMemoryError('Failed to allocate a 1.2 GB buffer') });
    device.onuncapturederror!({ error: new GPUValidationError('a consequence of the first') });
    const { code, message } = await failure(() => step.accumulate(batch, 2));
    expect(code).toBe('out_of_memory');
    expect(message).toContain('(GPUOutOfMemoryError: Failed to allocate a 1.2 GB buffer)');
    await expect(step.accumulate(batch, 3)).resolves.toMatchObject({ tokens: 3 });
  });

  it('any other GPU error stops a checkpoint from being written', async () => {
    device.onuncapturederror!({ error: new GPUValidationError('Buffer size (1207959552) exceeds the max buffer size limit (1073741824)') });
    expect(await failure(() => step.save('/nonexistent', { withOptimizer: false }))).toEqual({
      code: null,
      message: 'GPUValidationError: Buffer size (1207959552) exceeds the max buffer size limit (1073741824)',
    });
  });

  it('building the default model stops at the step after a GPU error, and so does a loss outside training', async () => {
    const config = parseGemma3Config({ model_type: 'gemma3_text', vocab_size: 64, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, head_dim: 8 });
    const model = Gemma3Model.withRandomWeights(config, 1, true);
    const corpus = { stream: Int32Array.from([2, 5, 9, 11, 1, 2, 5, 9, 11, 1]), docStarts: Int32Array.from([0, 5]), answerMask: Uint8Array.from([0, 0, 1, 1, 1, 0, 0, 1, 1, 1]) };
    const steps: number[] = [];
    const bindingError = 'Binding size (201326592) of [Buffer] is larger than the maximum storage buffer binding size (134217728)';
    const run = pretrain(model, corpus, {
      steps: 5,
      batchSize: 1,
      seqLen: 4,
      learningRate: 1e-3,
      warmupRatio: 0,
      weightDecay: 0,
      seed: 1,
      logEvery: 1,
      onLog: (l) => {
        steps.push(l.step);
        if (l.step === 2) device.onuncapturederror!({ error: new GPUValidationError(bindingError) });
      },
    });
    await expect(run).rejects.toThrow(`GPUValidationError: ${bindingError}`);
    expect(steps).toEqual([1, 2]);
    device.onuncapturederror!({ error: new GPUOutOfMemoryError('Failed to allocate') });
    await expect(lossAndGrads(model, null, makeBatch(batch, 0), { withGrad: false })).rejects.toThrow('GPUOutOfMemoryError: Failed to allocate');
    model.dispose();
  });

  it('a lost device fails every later step as gpu_lost', async () => {
    loseDevice({ reason: 'unknown', message: 'driver reset' });
    await Promise.resolve();
    for (const run of [() => step.evalLoss(batch, 1), () => step.accumulate(batch, 4)]) {
      expect(await failure(run)).toMatchObject({ code: 'gpu_lost', message: expect.stringContaining('(GPU device was lost (unknown): driver reset)') });
    }
  });
});
