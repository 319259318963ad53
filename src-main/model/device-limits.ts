import * as tf from '@tensorflow/tfjs-core';

/**
 * What the device can hold in one tensor, and whether it has failed since last asked.
 * A WebGPU adapter caps one buffer (and one storage binding) - often 256 MB to 2 GB -
 * while Gemma 3's 262,144 x 1152 embedding is 1.2 GB in float32, so it is split by
 * vocabulary to fit. And tfjs-webgpu never checks for GPU errors: an out-of-memory or
 * an oversized buffer only reaches the device's `uncapturederror` event while the
 * computation goes on with garbage, so the engine listens and fails the next step.
 */

interface WebgpuDevice {
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
  lost: Promise<{ reason: string; message: string }>;
  onuncapturederror: ((event: { error: { message: string } }) => void) | null;
}

const activeWebgpuDevice = (): WebgpuDevice | null => (tf.getBackend() === 'webgpu' ? ((tf.backend() as unknown as { device?: WebgpuDevice }).device ?? null) : null);

/**
 * The largest single tensor the active backend can hold, in bytes; none on wasm and
 * cpu (the wasm heap as a whole is guarded by memory.ts). SQLORA_MAX_TENSOR_BYTES
 * overrides it: how the split is tested on a CPU.
 */
export function maxTensorBytes(): number {
  const forced = Number(process.env.SQLORA_MAX_TENSOR_BYTES);
  if (forced > 0) return forced;
  const limits = activeWebgpuDevice()?.limits;
  return limits ? Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize) : Number.POSITIVE_INFINITY;
}

const formatBytes = (bytes: number): string => {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  const i = Math.max(0, Math.min(units.length - 1, Math.floor(Math.log2(bytes) / 10)));
  return i === 0 ? `${bytes} B` : `${(bytes / 1024 ** i).toFixed(1)} ${units[i]}`;
};

export class TensorTooLargeError extends Error {
  constructor(name: string, shape: number[], bytes: number, limit: number, why: string) {
    super(`${name} [${shape.join(' x ')}] needs ${formatBytes(bytes)} in one tensor, above this device's limit of ${formatBytes(limit)}; ${why}.`);
    this.name = 'TensorTooLargeError';
  }
}

/**
 * [start, size] column ranges of a [hidden, vocab] matrix of `bytesPerValue`-byte
 * values, each within `limit` bytes, as even as possible. Float16 shards (2 bytes)
 * start at even columns: their columns are stored in pairs.
 */
export function vocabShards(name: string, hidden: number, vocab: number, limit: number, bytesPerValue = 4): [number, number][] {
  const bytes = hidden * vocab * bytesPerValue;
  if (bytes <= limit) return [[0, vocab]];
  const step = bytesPerValue === 2 ? 2 : 1;
  const perShard = Math.floor(limit / (hidden * bytesPerValue * step)) * step;
  if (perShard < 1) throw new TensorTooLargeError(name, [vocab, hidden], bytes, limit, 'even one token row does not fit');
  const count = Math.ceil(vocab / perShard);
  const size = Math.ceil(vocab / count / step) * step;
  return Array.from({ length: count }, (_, i) => [i * size, Math.min(size, vocab - i * size)] as [number, number]).filter(([, n]) => n > 0);
}

let deviceError: string | null = null;
let deviceLost: string | null = null;

/**
 * Record the WebGPU device's errors and its loss (see the top of this file). The
 * messages keep WebGPU's words (GPUOutOfMemoryError, device lost) so that
 * engine/errors.ts can classify them.
 */
export function watchDeviceErrors(device: Pick<WebgpuDevice, 'lost' | 'onuncapturederror'>): void {
  device.onuncapturederror = ({ error }) => {
    // The first error is the cause; later ones usually follow from it.
    deviceError ??= `${error.constructor.name}: ${error.message}`;
  };
  void device.lost.then(({ reason, message }) => {
    deviceLost = `GPU device was lost (${reason}): ${message}`;
  });
}

/** Throw what the device reported since the last call (a lost device every time): the work since then cannot be trusted. */
export function throwIfDeviceFailed(): void {
  const failure = deviceLost ?? deviceError;
  deviceError = null;
  if (failure) throw new Error(failure);
}

/** Why the WebGPU device was lost, once it has been (it stays lost). */
export const deviceLostReason = (): string | null => deviceLost;

/** Watch the active backend's device, if it is a WebGPU one. */
export function watchActiveDevice(): void {
  const device = activeWebgpuDevice();
  if (device) watchDeviceErrors(device);
}
