import { totalmem } from 'node:os';
import { BackendName, type MemoryFit } from '../api/contract';
import type { Gemma3Config } from '../model/config';
import { estimateMemory, type MemoryEstimate, WASM_HEAP_LIMIT, WASM_SAFE_FRACTION } from '../model/memory';

/**
 * Whether training a model fits a backend's memory, from the engine's own estimate
 * (model/memory.ts: parameters x 4 bytes as float32, plus the LoRA state and the
 * activations) for the seed's largest run: LoRA r 16 on q/k/v/o, 512 tokens,
 * batch 1. Known from config.json alone, so presets are judged before download.
 */
export const trainingEstimate = (config: Gemma3Config): MemoryEstimate =>
  estimateMemory(config, { batchSize: 1, sequenceLength: 512, lora: { r: 16, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] } });

/**
 * What each backend can hold here. wasm: the share of its 3.9 GB heap the engine
 * allows (model/memory.ts keeps 10% headroom and refuses beyond). The others use
 * the machine's memory - on a Mac the GPU shares it, and Metal lets one process
 * have about three quarters of it - so a quarter is left to the system and the app.
 */
export function backendLimit(backend: BackendName, machineBytes = totalmem()): number {
  return backend === 'wasm' ? WASM_HEAP_LIMIT * WASM_SAFE_FRACTION : machineBytes * 0.75;
}

/**
 * What training needs on a backend: webgpu stores the frozen weights as float16
 * (model/half.ts), half their float32 bytes (the float32 norms are a rounding error).
 */
export const neededOn = (backend: BackendName, estimate: Pick<MemoryEstimate, 'totalBytes' | 'weightsBytes'>): number =>
  backend === 'webgpu' ? estimate.totalBytes - estimate.weightsBytes / 2 : estimate.totalBytes;

export function memoryFit(estimate: Pick<MemoryEstimate, 'totalBytes' | 'weightsBytes'>, chosen: BackendName | null, machineBytes = totalmem()): MemoryFit {
  return {
    neededBytes: estimate.totalBytes,
    weightsBytes: estimate.weightsBytes,
    chosen,
    backends: BackendName.options.map((backend) => {
      const limitBytes = backendLimit(backend, machineBytes);
      const neededBytes = neededOn(backend, estimate);
      return { backend, neededBytes, limitBytes, fits: neededBytes <= limitBytes };
    }),
  };
}
