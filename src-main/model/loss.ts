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
 * lmHead is the LM head transposed, [H, vocab], in one or more vocabulary shards (device buffer limits). hidden [N, H] are the final-norm states of the positions that predict a label;
 * targets[i] is the token row i must predict.
 */
export function chunkedCrossEntropySum(hidden: tf.Tensor2D, lmHead: tf.Tensor2D[], targets: Int32Array, options: { softcap: number | null; chunkRows: number }): tf.Scalar {
  const N = hidden.shape[0];
  if (targets.length !== N) throw new Error(`cross-entropy: ${N} rows but ${targets.length} targets`);
  const { softcap, chunkRows } = options;
  const chunks: [number, number][] = [];
  for (let start = 0; start < N; start += chunkRows) chunks.push([start, Math.min(chunkRows, N - start)]);
  const shardStarts: number[] = [];
  lmHead.reduce((at, shard) => (shardStarts.push(at), at + shard.shape[1]), 0);

  // One-hot of a chunk's targets within one vocabulary shard: -1 (an all-zero row) where the target is in another.
  const targetsIn = (start: number, size: number, shard: number): tf.Tensor2D => {
    const width = lmHead[shard].shape[1];
    const local = new Int32Array(size);
    for (let k = 0; k < size; k++) {
      const t = targets[start + k] - shardStarts[shard];
      local[k] = t >= 0 && t < width ? t : -1;
    }
    return oneHotFloat(tf.tensor1d(local, 'int32'), width);
  };
  // Logits of one chunk in every shard, with the soft-capped value and tanh kept for the gradient,
  // and the log-sum-exp over the whole vocabulary combined from the shards'.
  const chunkLogits = (h: tf.Tensor2D) => {
    const parts = lmHead.map((w) => {
      const raw = matMul(h, w);
      if (!softcap) return { logits: raw, tanh: null };
      const tanh = tf.tanh(tf.div(raw, softcap));
      return { logits: tf.mul(tanh, softcap) as tf.Tensor2D, tanh };
    });
    const lse = parts.length === 1 ? tf.logSumExp(parts[0].logits, -1) : tf.logSumExp(tf.stack(parts.map((p) => tf.logSumExp(p.logits, -1)), 1), -1);
    return { parts, lse };
  };

  const loss = customGrad1<tf.Scalar>((h, save) => {
    save([h]);
    const value = tf.tidy(() => {
      let total: tf.Tensor = tf.scalar(0);
      for (const [start, size] of chunks) {
        const { parts, lse } = chunkLogits(tf.slice(h as tf.Tensor2D, [start, 0], [size, -1]));
        const picked = parts.reduce<tf.Tensor>((sum, p, s) => tf.add(sum, tf.sum(tf.mul(p.logits, targetsIn(start, size, s)), -1)), tf.zeros([size]));
        total = tf.add(total, tf.sum(tf.sub(lse, picked)));
      }
      return total as tf.Scalar;
    });
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [hs] = saved as [tf.Tensor2D];
      if (chunks.length === 0) return tf.zerosLike(hs);
      const rows: tf.Tensor[] = [];
      for (const [start, size] of chunks) {
        rows.push(
          tf.tidy(() => {
            const { parts, lse } = chunkLogits(tf.slice(hs, [start, 0], [size, -1]));
            const column = tf.expandDims(lse, 1);
            return parts.reduce<tf.Tensor>((dh, { logits, tanh }, s) => {
              // d loss / d logits = softmax - onehot(target), the softmax over the whole vocabulary
              let dLogits: tf.Tensor = tf.sub(tf.exp(tf.sub(logits, column)), targetsIn(start, size, s));
              if (tanh) dLogits = tf.mul(dLogits, tf.sub(1, tf.square(tanh)));
              // dh = dLogits @ W, computed as (W^T @ dLogits^T)^T so only chunk-sized tensors are transposed.
              return tf.add(dh, tf.transpose(matMul(lmHead[s], tf.transpose(dLogits))));
            }, tf.zeros([size, hs.shape[1]]));
          }),
        );
      }
      const dh = rows.length === 1 ? rows[0] : tf.concat(rows, 0);
      return tf.mul(dh, dy);
    };
    return { value, gradFunc };
  });
  return loss(hidden);
}
