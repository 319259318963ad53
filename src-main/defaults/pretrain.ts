import * as tf from '@tensorflow/tfjs-core';
import { AdamW, clipByGlobalNorm } from '../model/adamw';
import { throwIfDeviceFailed } from '../model/device-limits';
import { disposeInputs, type Gemma3Model } from '../model/gemma3';
import { flatten, oneHotFloat, selectRows } from '../model/grad';
import { matMul } from '../model/matmul';
import { learningRateAt } from '../train/schedule';
import { seededRandom } from '../train/batching';

/**
 * Training every weight of a small Gemma 3 from scratch on a token stream: how the
 * default base model is built. Windows start at a random document, so a document's
 * SQL is seen with the schema it refers to. The loss counts only the answer tokens
 * (`corpus.answerMask`): schemas and INSERT rows are mostly random names and numbers
 * no model can predict, and counting them spent most of the gradient there instead of
 * on the skill the answers need - reading the schema and the question and copying
 * from them. The model is small, so the whole forward stays on the tape - no
 * checkpointing - and the logits of the answer rows fit.
 */
export interface PretrainCorpus {
  stream: Int32Array;
  docStarts: Int32Array;
  /** 1 where the token at that stream position is part of an answer (a loss target). */
  answerMask: Uint8Array;
}

export interface PretrainOptions {
  steps: number;
  batchSize: number;
  seqLen: number;
  learningRate: number;
  warmupRatio: number;
  weightDecay: number;
  seed: number;
  onLog?: (log: { step: number; loss: number; learningRate: number; tokensPerS: number }) => void | Promise<void>;
  logEvery?: number;
}

/** Window starts (document starts) whose window holds at least one answer token. */
export function trainableWindows(corpus: PretrainCorpus, seqLen: number): Int32Array {
  const { stream, docStarts, answerMask } = corpus;
  return docStarts.filter((s) => {
    if (s + seqLen + 1 > stream.length) return false;
    for (let i = s + 1; i <= s + seqLen; i++) if (answerMask[i]) return true;
    return false;
  });
}

export async function pretrain(model: Gemma3Model, corpus: PretrainCorpus, options: PretrainOptions): Promise<{ seconds: number }> {
  const { batchSize: B, seqLen: T } = options;
  const { stream, answerMask } = corpus;
  const starts = trainableWindows(corpus, T);
  if (!starts.length) throw new Error(`the corpus (${stream.length} tokens) has no window of ${T + 1} tokens holding an answer`);
  const variables = model.variables();
  if (!variables.length) throw new Error('pretrain needs a model built with trainable weights');
  const optimizer = new AdamW(variables);
  const random = seededRandom(options.seed);
  const inputs = model.fullSequenceInputs(Array.from({ length: B }, () => new Array<number>(T).fill(1)));
  const started = performance.now();
  // Each step's loss stays on the device until the log step reads the window's at once.
  let windowLosses: tf.Scalar[] = [];
  let windowStart = performance.now();
  try {
    for (let step = 1; step <= options.steps; step++) {
      const ids: number[][] = [];
      const rows: number[] = [];
      const targets: number[] = [];
      for (let b = 0; b < B; b++) {
        const start = starts[Math.floor(random() * starts.length)];
        ids.push(Array.from(stream.subarray(start, start + T)));
        for (let t = 0; t < T; t++) {
          if (!answerMask[start + t + 1]) continue;
          rows.push(b * T + t);
          targets.push(stream[start + t + 1]);
        }
      }
      const idsT = tf.tensor2d(ids, undefined, 'int32');
      const rowsT = tf.tensor1d(rows, 'int32');
      const targetsT = tf.tensor1d(targets, 'int32');
      const { value, grads } = tf.variableGrads(() => {
        let x = model.embedTokens(idsT);
        for (let i = 0; i < model.config.numLayers; i++) x = model.layer(x, i, inputs, null, null).y;
        // Only the answer rows reach the LM head: the loss ignores the rest, and the head is a third of the step.
        const logits = matMul(selectRows(model.finalHidden(x), rowsT), model.lmHeadT);
        const picked = tf.sum(tf.mul(logits, oneHotFloat(targetsT, model.config.vocabSize)), -1);
        return tf.mean(tf.sub(tf.logSumExp(logits, -1), picked)) as tf.Scalar;
      }, variables);
      const list = variables.map((v) => grads[v.name]);
      const flat = flatten(list);
      const { clipped, norm } = clipByGlobalNorm(flat, 1.0);
      const lr = learningRateAt('cosine', options.learningRate, step - 1, options.steps, options.warmupRatio);
      optimizer.apply(clipped, { lr, weightDecay: options.weightDecay });
      tf.dispose([idsT, rowsT, targetsT, norm, flat, clipped, ...list]);
      windowLosses.push(value);
      if (step % (options.logEvery ?? 25) === 0 || step === options.steps) {
        const stacked = tf.stack(windowLosses);
        tf.dispose(windowLosses);
        windowLosses = [];
        const losses = (await stacked.data()) as Float32Array;
        stacked.dispose();
        // A GPU error (an oversized binding, out of memory) leaves garbage, not an exception: stop here.
        throwIfDeviceFailed();
        const firstBad = losses.findIndex((l) => !Number.isFinite(l));
        if (firstBad >= 0) throw new Error(`pretraining diverged at step ${step - losses.length + 1 + firstBad} (loss ${losses[firstBad]})`);
        const seconds = (performance.now() - windowStart) / 1000;
        await options.onLog?.({ step, loss: losses.reduce((a, b) => a + b, 0) / losses.length, learningRate: lr, tokensPerS: (losses.length * B * T) / seconds });
        windowStart = performance.now();
      }
    }
  } finally {
    disposeInputs(inputs);
    tf.dispose(windowLosses);
    optimizer.dispose();
  }
  return { seconds: (performance.now() - started) / 1000 };
}
