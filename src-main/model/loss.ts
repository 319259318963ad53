import * as tf from '@tensorflow/tfjs-core';
import { customGrad1, oneHotFloat, sumAll } from './grad';
import { type FrozenMatrix, frozenMatMul, frozenMatMulT, widthOf } from './half';

/**
 * Summed token cross-entropy of the LM head, computed in row chunks so that the
 * [tokens x vocab] logits never exist at once (262,144 columns in real Gemma: a
 * 512-token example would need 0.5 GB of logits, twice over with its gradient).
 * The backward pass recomputes each chunk's logits and returns only d hidden;
 * the LM head (the tied embedding) is frozen in LoRA training.
 *
 * lmHead is the LM head transposed, [H, vocab], in one or more vocabulary shards
 * (device buffer limits): a chunk's log-sum-exp over the whole vocabulary is combined
 * from its shards', with one shard's logits alive at a time. hidden [N, H] are the
 * final-norm states of the positions that predict a label; targets[i] is the token
 * row i must predict. A chunk of one shard's logits is kept within maxTensorBytes.
 */
export function chunkedCrossEntropySum(hidden: tf.Tensor2D, lmHead: FrozenMatrix[], targets: Int32Array, options: { softcap: number | null; chunkRows: number; maxTensorBytes?: number }): tf.Scalar {
  const N = hidden.shape[0];
  if (targets.length !== N) throw new Error(`cross-entropy: ${N} rows but ${targets.length} targets`);
  const { softcap } = options;
  const widest = Math.max(...lmHead.map(widthOf));
  const chunkRows = Math.max(1, Math.min(options.chunkRows, Math.floor((options.maxTensorBytes ?? Number.POSITIVE_INFINITY) / (4 * widest))));
  const chunks: [number, number][] = [];
  for (let start = 0; start < N; start += chunkRows) chunks.push([start, Math.min(chunkRows, N - start)]);
  const shardStarts: number[] = [];
  lmHead.reduce((at, shard) => (shardStarts.push(at), at + widthOf(shard)), 0);

  // One-hot of a chunk's targets within one vocabulary shard: -1 (an all-zero row) where the target is in another.
  const targetsIn = (start: number, size: number, shard: number): tf.Tensor2D => {
    const width = widthOf(lmHead[shard]);
    const local = new Int32Array(size);
    for (let k = 0; k < size; k++) {
      const t = targets[start + k] - shardStarts[shard];
      local[k] = t >= 0 && t < width ? t : -1;
    }
    return oneHotFloat(tf.tensor1d(local, 'int32'), width);
  };
  // Logits of a chunk in one shard, soft-capped, with the tanh kept for the gradient.
  const shardLogits = (h: tf.Tensor2D, shard: number) => {
    const raw = frozenMatMul(h, lmHead[shard]);
    if (!softcap) return { logits: raw, tanh: null };
    const tanh = tf.tanh(tf.div(raw, softcap));
    return { logits: tf.mul(tanh, softcap) as tf.Tensor2D, tanh };
  };

  const loss = customGrad1<tf.Scalar>((h, save) => {
    // Each chunk in its own scope, so its logits are freed before the next; its log-sum-exp is saved for the backward pass.
    const lses: tf.Tensor[] = [];
    let total: tf.Tensor = tf.scalar(0);
    for (const [start, size] of chunks) {
      const [lse, sum] = tf.tidy(() => {
        const hc = tf.slice(h as tf.Tensor2D, [start, 0], [size, -1]);
        const perShard = lmHead.map((_, s) =>
          tf.tidy(() => {
            const { logits } = shardLogits(hc, s);
            return [tf.logSumExp(logits, -1), tf.sum(tf.mul(logits, targetsIn(start, size, s)), -1)];
          }),
        );
        const lse = perShard.length === 1 ? perShard[0][0] : tf.logSumExp(tf.stack(perShard.map(([l]) => l), 1), -1);
        const picked = perShard.length === 1 ? perShard[0][1] : sumAll(perShard.map(([, p]) => p));
        return [lse, tf.sum(tf.sub(lse, picked))];
      });
      lses.push(lse);
      total = tf.add(total, sum);
    }
    save(lses.length ? [h, lses.length === 1 ? lses[0] : tf.concat(lses)] : [h]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [hs, lse] = saved as [tf.Tensor2D, tf.Tensor1D];
      if (chunks.length === 0) return tf.zerosLike(hs);
      const rows = chunks.map(([start, size]) =>
        tf.tidy(() => {
          const hc = tf.slice(hs, [start, 0], [size, -1]);
          const column = tf.expandDims(tf.slice(lse, [start], [size]), 1);
          // One shard's [rows x vocab] temporaries at a time.
          const part = (s: number) =>
            tf.tidy(() => {
              const { logits, tanh } = shardLogits(hc, s);
              // d loss / d logits = softmax - onehot(target), the softmax over the whole vocabulary
              let dLogits: tf.Tensor = tf.sub(tf.exp(tf.sub(logits, column)), targetsIn(start, size, s));
              if (tanh) dLogits = tf.mul(dLogits, tf.sub(1, tf.square(tanh)));
              // dh = dLogits @ W^T (W is [H, vocab]).
              return frozenMatMulT(dLogits as tf.Tensor2D, lmHead[s]);
            });
          let dh = part(0);
          for (let s = 1; s < lmHead.length; s++) dh = tf.add(dh, part(s));
          return dh;
        }),
      );
      const dh = rows.length === 1 ? rows[0] : tf.concat(rows, 0);
      return tf.mul(dh, dy);
    };
    return { value: total as tf.Scalar, gradFunc };
  });
  return loss(hidden);
}
