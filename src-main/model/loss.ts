import * as tf from '@tensorflow/tfjs-core';
import { customGrad1, oneHotFloat } from './grad';
import { matMul } from './matmul';

/**
 * Summed token cross-entropy of the LM head, computed in row chunks so that the
 * [tokens x vocab] logits never exist at once (262,144 columns in real Gemma: a
 * 512-token example would need 0.5 GB of logits, twice over with its gradient).
 * The backward pass recomputes each chunk's logits and returns only d hidden;
 * the LM head (the tied embedding) is frozen in LoRA training.
 *
 * lmHeadT is the LM head transposed, [H, vocab]. hidden [N, H] are the final-norm states of the positions that predict a label;
 * targets[i] is the token row i must predict.
 */
export function chunkedCrossEntropySum(hidden: tf.Tensor2D, lmHeadT: tf.Tensor2D, targets: Int32Array, options: { softcap: number | null; chunkRows: number }): tf.Scalar {
  const N = hidden.shape[0];
  if (targets.length !== N) throw new Error(`cross-entropy: ${N} rows but ${targets.length} targets`);
  const { softcap, chunkRows } = options;
  const chunks: [number, number][] = [];
  for (let start = 0; start < N; start += chunkRows) chunks.push([start, Math.min(chunkRows, N - start)]);

  // Logits of one chunk, with the soft-capped value and tanh kept for the gradient.
  const chunkLogits = (h: tf.Tensor2D) => {
    const raw = matMul(h, lmHeadT);
    if (!softcap) return { logits: raw, tanh: null };
    const tanh = tf.tanh(tf.div(raw, softcap));
    return { logits: tf.mul(tanh, softcap) as tf.Tensor2D, tanh };
  };

  const loss = customGrad1<tf.Scalar>((h, save) => {
    save([h]);
    const value = tf.tidy(() => {
      let total: tf.Tensor = tf.scalar(0);
      for (const [start, size] of chunks) {
        const { logits } = chunkLogits(tf.slice(h as tf.Tensor2D, [start, 0], [size, -1]));
        const picked = tf.sum(tf.mul(logits, oneHotFloat(tf.tensor1d(targets.subarray(start, start + size), 'int32'), logits.shape[1])), -1);
        total = tf.add(total, tf.sum(tf.sub(tf.logSumExp(logits, -1), picked)));
      }
      return total as tf.Scalar;
    });
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [hs] = saved as [tf.Tensor2D];
      if (chunks.length === 0) return tf.zerosLike(hs);
      const parts: tf.Tensor[] = [];
      for (const [start, size] of chunks) {
        parts.push(
          tf.tidy(() => {
            const { logits, tanh } = chunkLogits(tf.slice(hs, [start, 0], [size, -1]));
            // d loss / d logits = softmax - onehot(target)
            let dLogits: tf.Tensor = tf.sub(tf.softmax(logits, -1), oneHotFloat(tf.tensor1d(targets.subarray(start, start + size), 'int32'), logits.shape[1]));
            if (tanh) dLogits = tf.mul(dLogits, tf.sub(1, tf.square(tanh)));
            // dh = dLogits @ W, computed as (W^T @ dLogits^T)^T so only chunk-sized tensors are transposed.
            return tf.transpose(matMul(lmHeadT, tf.transpose(dLogits)));
          }),
        );
      }
      const dh = parts.length === 1 ? parts[0] : tf.concat(parts, 0);
      return tf.mul(dh, dy);
    };
    return { value, gradFunc };
  });
  return loss(hidden);
}
