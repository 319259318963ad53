import type { BackendName } from '../api/contract';
import type { Gemma3Config } from './config';
import { expectedTensors, projectionShape } from './weights';
import type { Projection } from './weights';

/**
 * How much memory a model needs on a backend, estimated before anything is
 * loaded. The wasm backend's heap stops near 3.9 GB and past that tfjs silently
 * corrupts tensors instead of failing, so the engine refuses work that would not
 * fit, saying how much is needed and which backend can do it.
 */
export const WASM_HEAP_LIMIT = 3.9e9;
/** Headroom for tfjs's own buffers and fragmentation. */
export const WASM_SAFE_FRACTION = 0.9;

export interface MemoryEstimate {
  weightsBytes: number;
  /** Training: LoRA factors, their gradients and AdamW moments; activations kept and one layer's working set. */
  trainingBytes: number;
  totalBytes: number;
}

export function estimateMemory(config: Gemma3Config, work: { batchSize: number; sequenceLength: number; lora?: { r: number; targets: Projection[] }; chunkRows?: number }): MemoryEstimate {
  let params = 0;
  for (const shape of expectedTensors(config).values()) params += shape.reduce((a, b) => a * b, 1);
  if (!config.tieWordEmbeddings) params += config.vocabSize * config.hiddenSize;
  const weightsBytes = params * 4;
  if (!work.lora) {
    // Inference: KV cache for every layer plus one layer's activations and the logits.
    const tokens = work.batchSize * work.sequenceLength;
    const kv = 2 * config.numLayers * tokens * config.numKvHeads * config.headDim * 4;
    const act = tokens * (4 * config.hiddenSize + 3 * config.intermediateSize) * 4 + work.batchSize * config.vocabSize * 4;
    return { weightsBytes, trainingBytes: 0, totalBytes: weightsBytes + kv + act };
  }
  const { r, targets } = work.lora;
  let loraParams = 0;
  for (const p of targets) {
    const [out, inp] = projectionShape(config, p);
    loraParams += config.numLayers * r * (out + inp);
  }
  const tokens = work.batchSize * work.sequenceLength;
  const T = work.sequenceLength;
  const H = config.hiddenSize;
  // param + accumulated grad + fresh grad + AdamW m and v
  const loraBytes = loraParams * 4 * 5;
  // checkpointed layer inputs, then one layer recomputed under the tape
  const kept = (config.numLayers + 1) * tokens * H * 4;
  const layerWorking = tokens * (10 * H + 4 * config.intermediateSize + 3 * config.numHeads * config.headDim) * 4 + 3 * work.batchSize * config.numHeads * T * T * 4;
  const lossChunk = 3 * Math.min(work.chunkRows ?? 256, tokens) * config.vocabSize * 4;
  const trainingBytes = loraBytes + kept + layerWorking + lossChunk;
  return { weightsBytes, trainingBytes, totalBytes: weightsBytes + trainingBytes };
}

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;

/** Throws a message a person can act on when the work cannot fit the backend. */
export function assertFits(backend: BackendName, estimate: MemoryEstimate, what: string): void {
  if (backend !== 'wasm') return;
  const limit = WASM_HEAP_LIMIT * WASM_SAFE_FRACTION;
  if (estimate.totalBytes <= limit) return;
  throw new Error(
    `${what} needs about ${gb(estimate.totalBytes)} (weights ${gb(estimate.weightsBytes)}, training ${gb(estimate.trainingBytes)}), ` +
      `more than the wasm backend can hold (${gb(limit)} usable of a ${gb(WASM_HEAP_LIMIT)} heap; past it tensors are silently corrupted). ` +
      'Use the webgpu backend (a Mac GPU through Metal) or the tensorflow backend (install @tensorflow/tfjs-node), or lower the batch size / max length.',
  );
}
