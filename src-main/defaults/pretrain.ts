import * as tf from '@tensorflow/tfjs-core';
import { AdamW, clipFactor } from '../model/adamw';
import { disposeInputs, type Gemma3Model } from '../model/gemma3';
import { oneHotFloat } from '../model/grad';
import { matMul } from '../model/matmul';
import { learningRateAt } from '../train/schedule';
import { seededRandom } from '../train/batching';

/**
 * Training every weight of a small Gemma 3 from scratch on a token stream (next
 * token prediction on windows that start at a random document, so a document's
 * SQL is seen with the schema it refers to): how the default base model is built. The
 * model is small, so the whole forward stays on the tape - no checkpointing - and
 * the full logits fit.
 */
export interface PretrainOptions {
  steps: number;
  batchSize: number;
  seqLen: number;
  learningRate: number;
  warmupRatio: number;
  weightDecay: number;
  seed: number;
  onLog?: (log: { step: number; loss: number; learningRate: number; tokensPerS: number }) => void;
  logEvery?: number;
}

export function pretrain(model: Gemma3Model, stream: Int32Array, docStarts: Int32Array, options: PretrainOptions): { finalLoss: number; seconds: number } {
  const { batchSize: B, seqLen: T } = options;
  const starts = docStarts.filter((s) => s + T + 1 <= stream.length);
  if (!starts.length) throw new Error(`the corpus has ${stream.length} tokens, fewer than one window of ${T + 1}`);
  const variables = model.variables();
  if (!variables.length) throw new Error('pretrain needs a model built with trainable weights');
  const optimizer = new AdamW(variables);
  const random = seededRandom(options.seed);
  const inputs = model.fullSequenceInputs(Array.from({ length: B }, () => new Array<number>(T).fill(1)));
  const started = performance.now();
  let windowLoss = 0;
  let windowSteps = 0;
  let windowStart = performance.now();
  let finalLoss = Number.NaN;
  try {
    for (let step = 1; step <= options.steps; step++) {
      const ids: number[][] = [];
      const targets = new Int32Array(B * T);
      for (let b = 0; b < B; b++) {
        const start = starts[Math.floor(random() * starts.length)];
        ids.push(Array.from(stream.subarray(start, start + T)));
        targets.set(stream.subarray(start + 1, start + T + 1), b * T);
      }
      const idsT = tf.tensor2d(ids, undefined, 'int32');
      const targetsT = tf.tensor1d(targets, 'int32');
      const { value, grads } = tf.variableGrads(() => {
        let x = model.embedTokens(idsT);
        for (let i = 0; i < model.config.numLayers; i++) x = model.layer(x, i, inputs, null, null).y;
        const logits = matMul(model.finalHidden(x), model.lmHeadT);
        const picked = tf.sum(tf.mul(logits, oneHotFloat(targetsT, model.config.vocabSize)), -1);
        return tf.mean(tf.sub(tf.logSumExp(logits, -1), picked)) as tf.Scalar;
      }, variables);
      const list = variables.map((v) => grads[v.name]);
      const { factor } = clipFactor(list, 1.0);
      const clipped = factor < 1 ? tf.tidy(() => list.map((g) => tf.mul(g, factor))) : list;
      const lr = learningRateAt('cosine', options.learningRate, step - 1, options.steps, options.warmupRatio);
      optimizer.apply(clipped, { lr, weightDecay: options.weightDecay });
      const loss = value.dataSync()[0];
      tf.dispose([value, idsT, targetsT, ...list, ...(clipped === list ? [] : clipped)]);
      if (!Number.isFinite(loss)) throw new Error(`pretraining diverged at step ${step} (loss ${loss})`);
      windowLoss += loss;
      windowSteps += 1;
      finalLoss = loss;
      if (step % (options.logEvery ?? 25) === 0 || step === options.steps) {
        const seconds = (performance.now() - windowStart) / 1000;
        options.onLog?.({ step, loss: windowLoss / windowSteps, learningRate: lr, tokensPerS: (windowSteps * B * T) / seconds });
        windowLoss = 0;
        windowSteps = 0;
        windowStart = performance.now();
      }
    }
  } finally {
    disposeInputs(inputs);
    optimizer.dispose();
  }
  return { finalLoss, seconds: (performance.now() - started) / 1000 };
}
