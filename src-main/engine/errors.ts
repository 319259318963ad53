import { deviceLostReason } from '../model/device-limits';
import type { EngineFailure } from './protocol';

/**
 * What the engine says when an operation fails. Out-of-memory and a lost GPU arrive
 * as backend-specific text (Emscripten aborts, V8 allocation failures, WebGPU's
 * errors); the person needs to know what happened and what to change, so those are
 * recognised and reworded, with the original kept at the end for bug reports, and
 * typed so that the host replaces the engine: after either, its heap or device
 * cannot be trusted (an aborted wasm module stays aborted, a lost device stays lost).
 */
const OUT_OF_MEMORY = [
  /\bOOM\b/,
  // tfjs-backend-wasm's release build aborts bare when its malloc fails (seen: a batch-64 prefill).
  /\bAborted\(\)/,
  /out of memory/i,
  /Cannot enlarge memory/i,
  /could not allocate memory/i,
  /Array buffer allocation failed/i,
  /WebAssembly\.Memory.*grow/i,
  /Invalid typed array length/i,
  /GPUOutOfMemoryError/,
];
const DEVICE_LOST = [/device (was |is )?lost/i, /GPUDeviceLostInfo/, /DXGI_ERROR_DEVICE_REMOVED/i];

export function describeEngineError(op: string, error: unknown): { message: string; code: EngineFailure | null } {
  // Some failures carry no message at all (a read-back on a destroyed device rejects with a bare AbortError).
  const raw = error instanceof Error ? error.message || error.name : String(error);
  const gpuLost = (detail: string) => ({
    code: 'gpu_lost' as const,
    message: `The GPU was lost while running ${op} (a driver reset, sleep, or another app taking it); the next request starts a fresh engine. (${detail})`,
  });
  // Once the device is lost, whatever failed failed because of it, whatever its own words.
  const lost = deviceLostReason();
  if (lost) return gpuLost(lost === raw ? lost : `${lost}; ${raw}`);
  if (OUT_OF_MEMORY.some((re) => re.test(raw))) {
    return {
      code: 'out_of_memory',
      message: `Out of memory while running ${op}. Lower the batch size, the max length or the LoRA rank, or choose a smaller model; the next request starts a fresh engine. (${raw})`,
    };
  }
  if (DEVICE_LOST.some((re) => re.test(raw))) return gpuLost(raw);
  return { code: null, message: raw };
}
