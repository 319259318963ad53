import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Matrix products that stay on the wasm backend's fast path. Measured (DESIGN.md):
 * plain 2-D matmul runs at ~28 GFLOP/s on one core, but transposed or batched
 * matmul at 0.6-2.2 - and the stock matmul gradient is made of exactly those. So on
 * wasm, transposes are materialised first and batched products are split into 2-D
 * ones; other backends get tfjs's own kernels.
 */

const onWasm = () => tf.getBackend() === 'wasm';

/** Batched products with at most this many matrices are split into 2-D ones on wasm. */
const SPLIT_LIMIT = 64;

const swapLast = (x: tf.Tensor): tf.Tensor => {
  const perm = x.shape.map((_, i) => i);
  [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
  return tf.transpose(x, perm);
};

/**
 * tfjs-webgpu 4.22's split-K matmul reads a transposed B wrongly in its vec4 form (seen:
 * [256 x 6,912] @ [16 x 6,912]^T - LoRA's gradient through gate_proj's B at 256 tokens -
 * off by 1.5 x its size, no error). tfjs picks that program for one matrix, an inner size
 * of 2,000 or more and few 32 x 32 output tiles (at most 8, or 16 for Intel GPUs and
 * outputs of <= 8 rows); there B is transposed first. 16 and 32 cover both cases.
 */
function webgpuSplitKHazard(a: tf.Tensor, b: tf.Tensor, transposeA: boolean): boolean {
  if (tf.getBackend() !== 'webgpu' || a.rank > 3 || (a.rank === 3 && a.shape[0] !== 1)) return false;
  const rows = a.shape[a.rank - (transposeA ? 1 : 2)]!;
  const inner = a.shape[a.rank - (transposeA ? 2 : 1)]!;
  const cols = b.shape[b.rank - 2]!;
  const tiles = Math.ceil(rows / 32) * Math.ceil(cols / 32);
  return inner >= 2000 && rows * cols > 128 && (tiles <= 16 || (rows <= 8 && tiles <= 32));
}

export function matMul<T extends tf.Tensor>(a: T, b: tf.Tensor, transposeA = false, transposeB = false): T {
  if (!onWasm()) {
    if (transposeB && webgpuSplitKHazard(a, b, transposeA)) return tf.matMul(a, swapLast(b), transposeA, false) as T;
    return tf.matMul(a, b, transposeA, transposeB) as T;
  }
  const left = transposeA ? swapLast(a) : a;
  const right = transposeB ? swapLast(b) : b;
  if (left.rank === 3 && right.rank === 3 && left.shape[0] <= SPLIT_LIMIT) {
    // Slices rather than tf.unstack: tfjs's Unpack gradient throws when one slice
    // receives no gradient (seen with batches of 8 padded examples).
    const matrix = (x: tf.Tensor, i: number) => tf.reshape(tf.slice(x, [i, 0, 0], [1, -1, -1]), [x.shape[1]!, x.shape[2]!]) as tf.Tensor2D;
    return tf.stack(Array.from({ length: left.shape[0] }, (_, i) => tf.matMul(matrix(left, i), matrix(right, i)))) as T;
  }
  return tf.matMul(left, right) as T;
}

let registered = false;

/**
 * Replace the BatchMatMul gradient with one built from `matMul` above (3-5x
 * faster LoRA training on wasm). Same maths as tfjs's: for C = op(A) op(B),
 * dA and dB are products of dC with the other operand.
 */
export function registerFastMatMulGradient(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: tf.BatchMatMul,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const [a, b] = saved;
      const g = dy as tf.Tensor;
      const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
      if (!transposeA && !transposeB) return { a: () => matMul(g, b, false, true), b: () => matMul(a, g, true, false) };
      if (!transposeA && transposeB) return { a: () => matMul(g, b), b: () => matMul(g, a, true, false) };
      if (transposeA && !transposeB) return { a: () => matMul(b, g, false, true), b: () => matMul(a, g) };
      return { a: () => matMul(b, g, true, true), b: () => matMul(g, a, true, true) };
    },
  });
}

let sliceRegistered = false;

/**
 * Replace the wasm backend's Slice for contiguous slices (what the split above
 * makes). The stock kernel copies the whole input out of the wasm heap before
 * taking its part, so splitting a batch of n matrices cost n full copies: at batch
 * 16 a prefill spent 1.6 s of a 2.7 s layer slicing. This one copies only the part.
 */
export function registerFastWasmSlice(): void {
  if (sliceRegistered) return;
  const stock = tf.getKernel(tf.Slice, 'wasm');
  if (!stock) return;
  sliceRegistered = true;
  tf.unregisterKernel(tf.Slice, 'wasm');
  tf.registerKernel({
    kernelName: tf.Slice,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
      const [begin_, size_] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
      if (x.dtype === 'string' || !tf.slice_util.isSliceContinous(x.shape, begin_, size_)) return stock.kernelFunc(args);
      const backend = args.backend as BackendWasm;
      // The output first: allocating can grow the heap, which detaches views taken before.
      const out = backend.makeOutput(size_, x.dtype);
      const offset = tf.slice_util.computeFlatOffset(begin_, tf.util.computeStrides(x.shape));
      backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x).subarray(offset, offset + tf.util.sizeFromShape(size_)));
      return out;
    },
  });
}
