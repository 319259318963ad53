/**
 * GPU programs one LoRA step dispatches on webgpu: a 26-layer model of Gemma-3-1b's
 * layout at hidden 64 (4 heads of 16, vocabulary 512), batch 2 x 64 with half of each
 * row prompt, LoRA r16 on q/k/v/o; counted by wrapping the backend's runWebGPUProgram.
 *   npx tsx scripts/count-dispatches.ts [ops]
 * `ops` runs tfjs's own ops instead of the engine's WGSL kernels (useWebgpuKernels(false));
 * SQLORA_WEIGHTS=float32 keeps the frozen weights float32. Figures: BENCHMARKS.md.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src-main/engine/backend';
import { parseGemma3Config } from '../src-main/model/config';
import { Gemma3Model } from '../src-main/model/gemma3';
import { LoraAdapter } from '../src-main/model/lora';
import { LoraStepModel } from '../src-main/model/lora-training';
import { useWebgpuKernels } from '../src-main/model/webgpu-program';

await initBackend('webgpu');
if (process.argv[2] === 'ops') useWebgpuKernels(false);
const config = parseGemma3Config({ model_type: 'gemma3_text', vocab_size: 512, hidden_size: 64, intermediate_size: 128, num_hidden_layers: 26, num_attention_heads: 4, num_key_value_heads: 1, head_dim: 16, sliding_window: 512 });
const model = Gemma3Model.withRandomWeights(config, 1);
const adapter = LoraAdapter.create(config, { r: 16, alpha: 16, dropout: 0, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] }, 1);
const stepModel = new LoraStepModel(model, adapter, { baseModel: null });
const ids = Array.from({ length: 64 }, (_, i) => 3 + ((i * 7) % 500));
const examples = [0, 1].map(() => ({ inputIds: ids, labels: ids.map((id, t) => (t < 32 ? -100 : id)) }));

const backend = tf.backend() as unknown as { runWebGPUProgram: (...args: unknown[]) => unknown };
const run = backend.runWebGPUProgram;
let programs = 0;
backend.runWebGPUProgram = (...args: unknown[]) => (programs++, run.apply(backend, args));
const step = async () => {
  programs = 0;
  const { tokens } = await stepModel.accumulate(examples, 1);
  const forwardBackward = programs;
  await stepModel.step({ tokens, lr: 1e-4, weightDecay: 0.01, maxGradNorm: 1 });
  await stepModel.readStats();
  return { forwardBackward, total: programs };
};
await step(); // the first compiles pipelines; count the second
console.log({ kernels: process.argv[2] === 'ops' ? 'tfjs ops' : 'engine', weights: model.halfWeights ? 'float16' : 'float32', ...(await step()) });
stepModel.dispose();
adapter.dispose();
model.dispose();
