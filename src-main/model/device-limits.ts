import * as tf from '@tensorflow/tfjs-core';

/**
 * The largest single tensor the active backend can hold, in bytes. A WebGPU adapter
 * caps one buffer (and one storage binding) - often 256 MB to 2 GB - while Gemma 3's
 * 262,144 x 1152 embedding is 1.2 GB in float32, so it is split by vocabulary to fit.
 * SQLORA_MAX_TENSOR_BYTES overrides it: how the split is tested on a CPU.
 */
export function maxTensorBytes(): number {
  const forced = Number(process.env.SQLORA_MAX_TENSOR_BYTES);
  if (forced > 0) return forced;
  if (tf.getBackend() === 'webgpu') {
    const limits = (tf.backend() as unknown as { device?: { limits: { maxBufferSize: number; maxStorageBufferBindingSize: number } } }).device?.limits;
    if (limits) return Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
  }
  return Number.POSITIVE_INFINITY;
}

export class TensorTooLargeError extends Error {
  constructor(name: string, shape: number[], bytes: number, limit: number, why: string) {
    super(`${name} [${shape.join(' x ')}] needs ${(bytes / 2 ** 20).toFixed(1)} MiB in one tensor, above this device's limit of ${(limit / 2 ** 20).toFixed(1)} MiB; ${why}.`);
    this.name = 'TensorTooLargeError';
  }
}

/** [start, size] column ranges of a [hidden, vocab] float32 matrix, each within `limit` bytes, as even as possible. */
export function vocabShards(name: string, hidden: number, vocab: number, limit: number): [number, number][] {
  const bytes = hidden * vocab * 4;
  if (bytes <= limit) return [[0, vocab]];
  const perShard = Math.floor(limit / (hidden * 4));
  if (perShard < 1) throw new TensorTooLargeError(name, [vocab, hidden], bytes, limit, 'even one token row does not fit');
  const count = Math.ceil(vocab / perShard);
  const size = Math.ceil(vocab / count);
  return Array.from({ length: count }, (_, i) => [i * size, Math.min(size, vocab - i * size)] as [number, number]).filter(([, n]) => n > 0);
}
