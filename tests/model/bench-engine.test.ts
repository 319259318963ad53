import { describe, expect, it } from 'vitest';
import { benchEngine, DEFAULT_ENGINE_BENCH, GPU_ENGINE_BENCH } from '../../src-main/bench/engine';
import { DEFAULT_SOAK, soakTrain } from '../../src-main/bench/soak';
import { parseGemma3Config } from '../../src-main/model/config';

/**
 * The engine benchmarks measure what their figures claim: `bench gpu` runs Gemma-3-1b's
 * real shapes (an earlier version derived head_dim and the MLP from the hidden size and
 * ran 288-wide heads and a 4,608 MLP), and the protocol's prompt share and generation
 * sizes reach the measurement; the soak run's verdicts come from the real loop's counters.
 */
const tinyConfig = parseGemma3Config({ model_type: 'gemma3_text', vocab_size: 64, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 2, num_key_value_heads: 1, head_dim: 16 });

describe('the engine benchmarks', () => {
  it('bench gpu is Gemma-3-1b: 26 layers, hidden 1152, 4 heads of 256, 1 KV head, MLP 6912, vocabulary 262,144, batch 8 x 256, r16', () => {
    const c = GPU_ENGINE_BENCH.config;
    expect([c.numLayers, c.hiddenSize, c.numHeads, c.headDim, c.numKvHeads, c.intermediateSize, c.vocabSize]).toEqual([26, 1152, 4, 256, 1, 6912, 262_144]);
    expect(c.layerTypes.filter((t) => t === 'full')).toHaveLength(4);
    expect([GPU_ENGINE_BENCH.batch, GPU_ENGINE_BENCH.seq, GPU_ENGINE_BENCH.rank, GPU_ENGINE_BENCH.promptShare]).toEqual([8, 256, 16, 0.5]);
    expect(GPU_ENGINE_BENCH.generation).toMatchObject({ prompts: 16, newTokens: 64 });
  });

  it('masks the prompt share out of the loss and reports each figure next to the matmul speed', async () => {
    const r = await benchEngine({ ...DEFAULT_ENGINE_BENCH, config: tinyConfig, seq: 16, batch: 2, steps: 1, rank: 4, promptShare: 0.5, generation: { prompts: 3, promptTokens: 4, newTokens: 5 }, matmulSize: 32 });
    // 8 prompt positions per row; positions 7..14 predict the 8 labelled tokens.
    expect(r.shape).toBe('hidden 32, 2 layers, vocab 64, batch 2 x 16 tokens (16 labelled), LoRA r4 q/k/v/o');
    expect([r.backend, r.device]).toEqual(['wasm', 'cpu']);
    for (const key of ['matmulGflops', 'trainTokensPerS', 'forwardTokensPerS', 'decodeTokensPerSBatch1', 'generatedTokensPerS3x5', 'prefillTokensPerSBatch16x384']) {
      expect(r[key], key).toBeGreaterThan(0);
    }
    expect(r.trainVsMatmul).toBeCloseTo(Number(r.trainGflops) / Number(r.matmulGflops), 1);
    expect(r.peakTensorMB).toBeGreaterThan(0);
    expect(r.peakGpuMB).toBe(0);
  });

  it('the soak run trains through the real loop: the copy loss falls, stays finite, and memory is flat after the first evaluation', async () => {
    const logged: number[] = [];
    const r = await soakTrain({ ...DEFAULT_SOAK, config: tinyConfig, steps: 120, batch: 4, copyTokens: 8, alphabet: 8, learningRate: 1e-2, onLog: (l) => logged.push(l.step) });
    expect(logged).toEqual(Array.from({ length: 12 }, (_, i) => 10 * (i + 1)));
    expect([r.steps, r.stop, r.allFinite]).toEqual([120, 'max_steps', true]);
    expect(Number(r.lossLast)).toBeLessThan(Number(r.lossFirst) - 0.2);
    // At steps 50 and 100, and at the end.
    expect(String(r.evalLosses).split(' ')).toHaveLength(3);
    expect(r.logLinesAfterFirstEval).toBe(7);
    expect([r.tensorsFlat, r.tensorBytesFlat, r.gpuBytesFlat]).toEqual([true, true, true]);
  });
});
