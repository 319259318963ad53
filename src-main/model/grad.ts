import * as tf from '@tensorflow/tfjs-core';

/**
 * tf.customGrad for a function of one tensor, typed. `gradFunc` receives the
 * upstream gradient and the tensors `forward` asked to keep.
 */
export function customGrad1<T extends tf.Tensor>(forward: (x: tf.Tensor, save: tf.GradSaveFunc) => { value: T; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor }): (x: tf.Tensor) => T {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => forward(args[0] as tf.Tensor, args[1] as tf.GradSaveFunc));
  return (x) => f(x) as T;
}

/**
 * The sum of same-shape tensors by pairwise adds. tf.addN binds every input to one
 * shader, and WebGPU devices allow 8 storage buffers per shader stage by default:
 * an addN of the 32 gradient norms of a LoRA step failed there.
 */
export const sumAll = (tensors: tf.Tensor[]): tf.Tensor => tensors.reduce((sum, t) => tf.add(sum, t));

/**
 * Tensors as one flat vector, in order: clipping and AdamW are then 23 kernels for all
 * of a step's tensors instead of about 19 per tensor (3,951 for Gemma-3-1b's 208 LoRA
 * tensors, 29% of a step's GPU dispatches). tfjs-webgpu's concat groups its
 * inputs to fit the shader buffer limit.
 */
export const flatten = (tensors: tf.Tensor[]): tf.Tensor1D => tf.tidy(() => tf.concat(tensors.map((t) => tf.reshape(t, [-1]))) as tf.Tensor1D);

/** One-hot rows as float32. Built as int32 then cast: tfjs-wasm 4.22's OneHot writes garbage when asked for float32 directly. */
export const oneHotFloat = (indices: tf.Tensor1D, depth: number): tf.Tensor2D => tf.cast(tf.oneHot(indices, depth), 'float32') as tf.Tensor2D;

/**
 * tf.gather of rows whose gradient is a scatter. tfjs's own gather gradient uses
 * UnsortedSegmentSum, which the wasm backend lacks; rows here are distinct, so a
 * ScatterNd is exact.
 */
export function selectRows(x: tf.Tensor2D, rows: tf.Tensor1D): tf.Tensor2D {
  const select = customGrad1<tf.Tensor2D>((input, save) => {
    save([]);
    return {
      value: tf.gather(input, rows) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor) => tf.scatterND(tf.expandDims(rows, 1), dy, input.shape),
    };
  });
  return select(x);
}
