import * as tf from '@tensorflow/tfjs-core';

/**
 * tf.customGrad for a function of one tensor, typed. `gradFunc` receives the
 * upstream gradient and the tensors `forward` asked to keep.
 */
export function customGrad1<T extends tf.Tensor>(forward: (x: tf.Tensor, save: tf.GradSaveFunc) => { value: T; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor }): (x: tf.Tensor) => T {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => forward(args[0] as tf.Tensor, args[1] as tf.GradSaveFunc));
  return (x) => f(x) as T;
}

/** One-hot rows as float32. Built as int32 then cast: tfjs-wasm 4.22's OneHot writes garbage when asked for float32 directly. */
export const oneHotFloat = (indices: tf.Tensor1D, depth: number): tf.Tensor2D => tf.cast(tf.oneHot(indices, depth), 'float32') as tf.Tensor2D;
