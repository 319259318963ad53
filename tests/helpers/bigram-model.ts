import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EncodedExample, StepModel, StepStats } from '../../src-main/train/trainer';

/**
 * A real (if tiny) language model for testing the training loop on its own: next
 * token = softmax(W[current token]), trained with AdamW on the sum of token losses,
 * labels shifted as in transformers. Small enough that its maths is checkable.
 */
export class BigramModel implements StepModel {
  w: Float64Array;
  private grad: Float64Array;
  private m: Float64Array;
  private v: Float64Array;
  private t = 0;
  private stepLoss = 0;
  private unread: StepStats[] = [];
  /** Backend reads the loop asked for, as a GPU model would count round trips. */
  reads = 0;

  constructor(readonly vocab: number) {
    this.w = new Float64Array(vocab * vocab);
    this.grad = new Float64Array(vocab * vocab);
    this.m = new Float64Array(vocab * vocab);
    this.v = new Float64Array(vocab * vocab);
  }

  private tokenLoss(prev: number, next: number, withGrad: boolean): number {
    const row = this.w.subarray(prev * this.vocab, (prev + 1) * this.vocab);
    const max = Math.max(...row);
    let z = 0;
    for (const x of row) z += Math.exp(x - max);
    if (withGrad) {
      for (let j = 0; j < this.vocab; j++) this.grad[prev * this.vocab + j] += Math.exp(row[j] - max) / z - (j === next ? 1 : 0);
    }
    return -(row[next] - max - Math.log(z));
  }

  private sum(batch: EncodedExample[], withGrad: boolean) {
    let lossSum = 0;
    let tokens = 0;
    for (const ex of batch) {
      for (let t = 0; t + 1 < ex.inputIds.length; t++) {
        if (ex.labels[t + 1] === -100) continue;
        lossSum += this.tokenLoss(ex.inputIds[t], ex.labels[t + 1], withGrad);
        tokens += 1;
      }
    }
    return { lossSum, tokens };
  }

  async accumulate(batch: EncodedExample[]) {
    const { lossSum, tokens } = this.sum(batch, true);
    this.stepLoss += lossSum;
    return { tokens };
  }

  async step({ tokens, lr, weightDecay, maxGradNorm }: { tokens: number; lr: number; weightDecay: number; maxGradNorm: number }) {
    let norm = 0;
    for (let i = 0; i < this.grad.length; i++) {
      this.grad[i] /= Math.max(tokens, 1);
      norm += this.grad[i] ** 2;
    }
    norm = Math.sqrt(norm);
    const clip = norm > maxGradNorm ? maxGradNorm / (norm + 1e-6) : 1;
    this.t += 1;
    const [b1, b2, eps] = [0.9, 0.999, 1e-8];
    for (let i = 0; i < this.w.length; i++) {
      const g = this.grad[i] * clip;
      this.w[i] *= 1 - lr * weightDecay;
      this.m[i] = b1 * this.m[i] + (1 - b1) * g;
      this.v[i] = b2 * this.v[i] + (1 - b2) * g * g;
      const mHat = this.m[i] / (1 - b1 ** this.t);
      const vHat = this.v[i] / (1 - b2 ** this.t);
      this.w[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
      this.grad[i] = 0;
    }
    this.unread.push({ lossSum: this.stepLoss, gradNorm: norm });
    this.stepLoss = 0;
  }

  async readStats() {
    this.reads += 1;
    const stats = this.unread;
    this.unread = [];
    return stats;
  }

  async evalLoss(examples: EncodedExample[]) {
    const { lossSum, tokens } = this.sum(examples, false);
    return lossSum / Math.max(tokens, 1);
  }

  async save(dir: string, { withOptimizer }: { withOptimizer: boolean }) {
    mkdirSync(dir, { recursive: true });
    const state = withOptimizer ? { w: [...this.w], m: [...this.m], v: [...this.v], t: this.t } : { w: [...this.w] };
    writeFileSync(join(dir, 'bigram.json'), JSON.stringify(state));
  }

  async load(dir: string) {
    const state = JSON.parse(readFileSync(join(dir, 'bigram.json'), 'utf8'));
    this.w = Float64Array.from(state.w);
    this.m = Float64Array.from(state.m);
    this.v = Float64Array.from(state.v);
    this.t = state.t;
    this.grad.fill(0);
    this.stepLoss = 0;
    this.unread = [];
  }

  memoryBytes() {
    return this.w.byteLength * 4;
  }
}
