import * as tf from '@tensorflow/tfjs-core';
import { customGrad1 } from './grad';
import { hasWebgpuKernels, type KernelArgs, registerWebgpuKernels, type WebgpuProgram } from './webgpu-program';

/**
 * Fused ops: Gemma's RMSNorm, GELU gate and rotary embedding as one WGSL kernel each
 * on webgpu, with their gradients as kernels too.
 *
 * Built from tfjs ops, one RMSNorm is 6 kernels forward and about 12 in tfjs's
 * generated backward; a layer has 6 norms and is run twice per step (forward, then
 * again under the tape for activation checkpointing), so norms were about a third of
 * a step's GPU dispatches at Gemma-3-1b's 26 layers. Here a norm is 1 dispatch forward
 * and 1 backward, the GELU gate 1 forward and 2 backward (one per input). On wasm and
 * cpu, where a kernel launch costs little, the tfjs ops and their autograd stay.
 */

/**
 * y = x * rsqrt(mean(x^2) + eps) * w over the last axis. `onePlusW` is Gemma's
 * (1 + weight); on webgpu its gradient is computed only with `trainWeight`
 * (pretraining every weight): LoRA training never needs it.
 */
export function rmsNorm(x: tf.Tensor, onePlusW: tf.Tensor1D, eps: number, trainWeight = false): tf.Tensor {
  if (!hasWebgpuKernels()) return rmsNormOps(x, onePlusW, eps);
  const value = (input: tf.Tensor, w: tf.Tensor) => tf.engine().runKernel(RMS_NORM, { x: input, w }, { eps }) as tf.Tensor;
  const inputGrad = (input: tf.Tensor, w: tf.Tensor, dy: tf.Tensor) => tf.engine().runKernel(RMS_NORM_GRAD, { x: input, w, dy }, { eps }) as tf.Tensor;
  if (!trainWeight) {
    const norm = customGrad1<tf.Tensor>((input, save) => {
      save([input]);
      return { value: value(input, onePlusW), gradFunc: (dy, [saved]) => inputGrad(saved, onePlusW, dy) };
    });
    return norm(x);
  }
  const norm = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, w, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([input, w]);
    return {
      value: value(input, w),
      gradFunc: (dy: tf.Tensor, [si, sw]: tf.Tensor[]) => {
        const r = tf.rsqrt(tf.add(tf.mean(tf.square(si), -1, true), eps));
        const cols = si.shape[si.shape.length - 1];
        return [inputGrad(si, sw, dy), tf.sum(tf.reshape(tf.mul(tf.mul(dy, si), r), [-1, cols]), 0)];
      },
    };
  });
  return norm(x, onePlusW);
}

/** gelu_tanh(gate) * up: the MLP's gate (transformers' gelu_pytorch_tanh). */
export function geluGate(gate: tf.Tensor2D, up: tf.Tensor2D): tf.Tensor2D {
  if (!hasWebgpuKernels()) return tf.mul(geluTanhOps(gate), up);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [g, u, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([g, u]);
    return {
      value: tf.engine().runKernel(GELU_GATE, { gate: g, up: u }, {}) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, [sg, su]: tf.Tensor[]) => [
        tf.engine().runKernel(GELU_GATE_GRAD, { gate: sg, up: su, dy }, { mode: 'gate' }) as tf.Tensor,
        tf.engine().runKernel(GELU_GATE_GRAD, { gate: sg, up: su, dy }, { mode: 'up' }) as tf.Tensor,
      ],
    };
  });
  return f(gate, up) as tf.Tensor2D;
}

/**
 * Rotary embedding of heads x [B, T, n, D] with cos / sin [B, T, 1, D], returned as
 * [B, n, T, D] (the layout attention multiplies in): x * cos + rotate_half(x) * sin,
 * rotate_half(x) = concat(-x2, x1). On webgpu one kernel forward and one backward in
 * place of 7 tfjs ops (split, neg, concat, 2 mul, add, transpose) and their gradients.
 */
export function ropeHeads(x: tf.Tensor4D, cos: tf.Tensor4D, sin: tf.Tensor4D): tf.Tensor4D {
  if (!hasWebgpuKernels()) return tf.transpose(ropeOps(x, cos, sin), [0, 2, 1, 3]);
  const rope = customGrad1<tf.Tensor4D>((input, save) => {
    save([]);
    return {
      value: tf.engine().runKernel(ROPE_HEADS, { x: input, cos, sin }, {}) as tf.Tensor4D,
      gradFunc: (dy) => tf.engine().runKernel(ROPE_HEADS_GRAD, { dy, cos, sin }, {}) as tf.Tensor,
    };
  });
  return rope(x);
}

/**
 * softmax(scores * scale + mask) over the last axis: attention's probabilities, scores
 * [B, H, T, Tk] and the additive mask [B, 1, T, Tk]. On webgpu one kernel forward and
 * one backward (dx = scale * y * (dy - sum(dy * y))) in place of tfjs's multiply, add,
 * softmax and their gradients.
 */
export function maskedSoftmax(scores: tf.Tensor4D, mask: tf.Tensor4D, scale: number): tf.Tensor4D {
  if (!hasWebgpuKernels()) return tf.softmax(tf.add(tf.mul(scores, scale), mask)) as tf.Tensor4D;
  const softmax = customGrad1<tf.Tensor4D>((input, save) => {
    const y = tf.engine().runKernel(MASKED_SOFTMAX, { scores: input, mask }, { scale }) as tf.Tensor4D;
    save([y]);
    return { value: y, gradFunc: (dy, [saved]) => tf.engine().runKernel(MASKED_SOFTMAX_GRAD, { y: saved, dy }, { scale }) as tf.Tensor };
  });
  return softmax(scores);
}

function ropeOps(x: tf.Tensor4D, cos: tf.Tensor4D, sin: tf.Tensor4D): tf.Tensor4D {
  const half = x.shape[3] / 2;
  const [x1, x2] = tf.split(x, [half, half], -1);
  return tf.add(tf.mul(x, cos), tf.mul(tf.concat([tf.neg(x2), x1], -1), sin));
}

function rmsNormOps(x: tf.Tensor, onePlusW: tf.Tensor, eps: number): tf.Tensor {
  const variance = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, eps))), onePlusW);
}

const GELU_C = Math.sqrt(2 / Math.PI);

function geluTanhOps(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), GELU_C);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

// ---- WGSL kernels for tfjs-backend-webgpu ----

const RMS_NORM = 'SqloraRmsNorm';
const RMS_NORM_GRAD = 'SqloraRmsNormGrad';
const GELU_GATE = 'SqloraGeluGate';
const GELU_GATE_GRAD = 'SqloraGeluGateGrad';
const ROPE_HEADS = 'SqloraRopeHeads';
const ROPE_HEADS_GRAD = 'SqloraRopeHeadsGrad';
const MASKED_SOFTMAX = 'SqloraMaskedSoftmax';
const MASKED_SOFTMAX_GRAD = 'SqloraMaskedSoftmaxGrad';

const ROW_BLOCK = 64;
const ELEMENT_BLOCK = 64;
const flatLayout = (shape: number[]) => ({ x: shape.map((_, i) => i) });

/** WGSL tanh that stays finite for large |a| (the naive exp form overflows to NaN). */
const TANH_WGSL = `
  fn stableTanh(a : f32) -> f32 {
    let e = exp(-2.0 * abs(a));
    return sign(a) * (1.0 - e) / (1.0 + e);
  }`;

/** One workgroup of ROW_BLOCK threads per row of `shape`; uniforms rows, cols and one float named `param`. */
function perRowProgram(key: string, variableNames: string[], shape: number[], param: string, code: string): WebgpuProgram {
  return {
    variableNames,
    outputShape: shape,
    shaderKey: key,
    dispatchLayout: flatLayout(shape),
    dispatch: [shape.slice(0, -1).reduce((a, b) => a * b, 1), 1, 1],
    workgroupSize: [ROW_BLOCK, 1, 1],
    uniforms: `rows : i32, cols : i32, ${param} : f32,`,
    getUserCode: () => code,
  };
}

/**
 * One workgroup per row: threads stride over the row's columns, then a tree sum in
 * workgroup memory. Rows past the end (when a large dispatch is folded into 2-D) read
 * and write nothing but still reach every barrier, as WGSL requires.
 */
function rowProgram(key: string, variableNames: string[], shape: number[], body: { sums: string; write: string }): WebgpuProgram {
  return perRowProgram(key, variableNames, shape, 'eps', `
      var<workgroup> sumA : array<f32, ${ROW_BLOCK}>;
      var<workgroup> sumB : array<f32, ${ROW_BLOCK}>;
      fn main(index : i32) {
        let row = index / ${ROW_BLOCK};
        let tid = i32(localId.x);
        let cols = select(0, uniforms.cols, row < uniforms.rows);
        let base = row * uniforms.cols;
        var a = 0.0;
        var b = 0.0;
        for (var c = tid; c < cols; c += ${ROW_BLOCK}) {
          ${body.sums}
        }
        sumA[tid] = a;
        sumB[tid] = b;
        workgroupBarrier();
        for (var size = ${ROW_BLOCK / 2}; size > 0; size = size / 2) {
          if (tid < size) {
            sumA[tid] = sumA[tid] + sumA[tid + size];
            sumB[tid] = sumB[tid] + sumB[tid + size];
          }
          workgroupBarrier();
        }
        let r = inverseSqrt(sumA[0] / f32(uniforms.cols) + uniforms.eps);
        let meanB = sumB[0] / f32(uniforms.cols);
        for (var c = tid; c < cols; c += ${ROW_BLOCK}) {
          ${body.write}
        }
      }`);
}

function elementProgram(key: string, variableNames: string[], shape: number[], expression: string): WebgpuProgram {
  const size = shape.reduce((a, b) => a * b, 1);
  return {
    variableNames,
    outputShape: shape,
    shaderKey: key,
    dispatchLayout: flatLayout(shape),
    dispatch: [Math.ceil(size / ELEMENT_BLOCK), 1, 1],
    workgroupSize: [ELEMENT_BLOCK, 1, 1],
    size: true,
    getUserCode: () => `
      ${TANH_WGSL}
      fn main(index : i32) {
        if (index < uniforms.size) {
          let g = gate[index];
          let t = stableTanh(${GELU_C} * (g + 0.044715 * g * g * g));
          ${expression}
        }
      }`,
  };
}

const rowUniforms = (shape: number[], eps: number) => [
  { type: 'int32' as const, data: [shape.slice(0, -1).reduce((a, b) => a * b, 1)] },
  { type: 'int32' as const, data: [shape[shape.length - 1]] },
  { type: 'float32' as const, data: [eps] },
];

function rmsNormKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, w } = inputs;
  const eps = attrs.eps as number;
  const program = rowProgram('sqloraRmsNorm', ['x', 'w'], x.shape, {
    sums: 'let v = x[base + c]; a = a + v * v;',
    write: 'setOutputAtIndex(base + c, x[base + c] * r * w[c]);',
  });
  return backend.runWebGPUProgram(program, [x, w], 'float32', rowUniforms(x.shape, eps));
}

function rmsNormGradKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, w, dy } = inputs;
  const eps = attrs.eps as number;
  const program = rowProgram('sqloraRmsNormGrad', ['x', 'w', 'dy'], x.shape, {
    sums: 'let v = x[base + c]; a = a + v * v; b = b + v * w[c] * dy[base + c];',
    write: 'let i = base + c; setOutputAtIndex(i, r * w[c] * dy[i] - x[i] * r * r * r * meanB);',
  });
  return backend.runWebGPUProgram(program, [x, w, dy], 'float32', rowUniforms(x.shape, eps));
}

function geluGateKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { gate, up } = inputs;
  const program = elementProgram('sqloraGeluGate', ['gate', 'up'], gate.shape, 'setOutputAtIndex(index, 0.5 * g * (1.0 + t) * up[index]);');
  return backend.runWebGPUProgram(program, [gate, up], 'float32');
}

function geluGateGradKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { gate, up, dy } = inputs;
  // A shader binds only the buffers it reads (the pipeline's layout is derived from them).
  if (attrs.mode === 'up') {
    const program = elementProgram('sqloraGeluGateGradUp', ['gate', 'dy'], gate.shape, 'setOutputAtIndex(index, dy[index] * 0.5 * g * (1.0 + t));');
    return backend.runWebGPUProgram(program, [gate, dy], 'float32');
  }
  const program = elementProgram('sqloraGeluGateGradGate', ['gate', 'up', 'dy'], gate.shape, `
    let slope = ${GELU_C} * (1.0 + ${3 * 0.044715} * g * g);
    setOutputAtIndex(index, dy[index] * up[index] * (0.5 * (1.0 + t) + 0.5 * g * (1.0 - t * t) * slope));`);
  return backend.runWebGPUProgram(program, [gate, up, dy], 'float32');
}

/**
 * One thread per output element of a rotary kernel. Forward writes [B, n, T, D] from x
 * [B, T, n, D]; backward writes dx [B, T, n, D] from dy [B, n, T, D] with the transposed
 * rotation: dx_d = dy_d cos_d + (d < D/2 ? dy_{d+D/2} sin_{d+D/2} : -dy_{d-D/2} sin_{d-D/2}).
 */
function ropeProgram(key: string, variableNames: string[], outputShape: number[], body: string): WebgpuProgram {
  return {
    variableNames,
    outputShape,
    shaderKey: key,
    dispatchLayout: flatLayout(outputShape),
    dispatch: [Math.ceil(outputShape.reduce((a, b) => a * b, 1) / ELEMENT_BLOCK), 1, 1],
    workgroupSize: [ELEMENT_BLOCK, 1, 1],
    size: true,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let D = uniforms.outShape[3];
          let halfD = D / 2;
          let d = index % D;
          let low = d < halfD;
          let partner = select(d - halfD, d + halfD, low);
          ${body}
        }
      }`,
  };
}

function ropeHeadsKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x, cos, sin } = inputs;
  const [B, T, n, D] = x.shape;
  // Output coordinates (b, h, t, d); x is read at (b, t, h, d), cos and sin at (b, t, d).
  const program = ropeProgram('sqloraRopeHeads', ['x', 'cos', 'sin'], [B, n, T, D], `
    let T = uniforms.outShape[2];
    let heads = uniforms.outShape[1];
    let t = (index / D) % T;
    let h = (index / (D * T)) % heads;
    let b = index / (D * T * heads);
    let row = ((b * T + t) * heads + h) * D;
    let table = (b * T + t) * D + d;
    let rotated = select(x[row + partner], -x[row + partner], low);
    setOutputAtIndex(index, x[row + d] * cos[table] + rotated * sin[table]);`);
  return backend.runWebGPUProgram(program, [x, cos, sin], 'float32');
}

function ropeHeadsGradKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { dy, cos, sin } = inputs;
  const [B, n, T, D] = dy.shape;
  // Output coordinates (b, t, h, d); dy is read at (b, h, t, d).
  const program = ropeProgram('sqloraRopeHeadsGrad', ['dy', 'cos', 'sin'], [B, T, n, D], `
    let heads = uniforms.outShape[2];
    let T = uniforms.outShape[1];
    let h = (index / D) % heads;
    let t = (index / (D * heads)) % T;
    let b = index / (D * heads * T);
    let row = ((b * heads + h) * T + t) * D;
    let table = (b * T + t) * D;
    let rotated = select(-dy[row + partner] * sin[table + partner], dy[row + partner] * sin[table + partner], low);
    setOutputAtIndex(index, dy[row + d] * cos[table + d] + rotated);`);
  return backend.runWebGPUProgram(program, [dy, cos, sin], 'float32');
}

/**
 * Attention softmax rows: one workgroup per row of [B, H, T, Tk] (as rowProgram), the
 * row's max and sum folded in workgroup memory. Score row (b, h, t) takes mask row
 * (b, t); masked entries are -1e9, not -inf, so no row is empty (as in tfjs).
 */
function softmaxProgram(key: string, variableNames: string[], shape: number[], body: string): WebgpuProgram {
  return perRowProgram(key, variableNames, shape, 'scale', `
      var<workgroup> partial : array<f32, ${ROW_BLOCK}>;
      fn fold(tid : i32, value : f32, useMax : bool) -> f32 {
        partial[tid] = value;
        workgroupBarrier();
        for (var size = ${ROW_BLOCK / 2}; size > 0; size = size / 2) {
          if (tid < size) {
            let other = partial[tid + size];
            partial[tid] = select(partial[tid] + other, max(partial[tid], other), useMax);
          }
          workgroupBarrier();
        }
        let total = partial[0];
        workgroupBarrier();
        return total;
      }
      fn main(index : i32) {
        let row = index / ${ROW_BLOCK};
        let tid = i32(localId.x);
        let cols = select(0, uniforms.cols, row < uniforms.rows);
        let base = row * uniforms.cols;
        ${body}
      }`);
}

function maskedSoftmaxKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { scores, mask } = inputs;
  const program = softmaxProgram('sqloraMaskedSoftmax', ['scores', 'mask'], scores.shape, `
    let T = uniforms.scoresShape[2];
    let maskBase = ((row / (uniforms.scoresShape[1] * T)) * T + row % T) * uniforms.cols;
    var m = -3.0e38;
    for (var c = tid; c < cols; c += ${ROW_BLOCK}) { m = max(m, scores[base + c] * uniforms.scale + mask[maskBase + c]); }
    m = fold(tid, m, true);
    var e = 0.0;
    for (var c = tid; c < cols; c += ${ROW_BLOCK}) { e = e + exp(scores[base + c] * uniforms.scale + mask[maskBase + c] - m); }
    e = fold(tid, e, false);
    for (var c = tid; c < cols; c += ${ROW_BLOCK}) { setOutputAtIndex(base + c, exp(scores[base + c] * uniforms.scale + mask[maskBase + c] - m) / e); }`);
  return backend.runWebGPUProgram(program, [scores, mask], 'float32', rowUniforms(scores.shape, attrs.scale as number));
}

function maskedSoftmaxGradKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { y, dy } = inputs;
  const program = softmaxProgram('sqloraMaskedSoftmaxGrad', ['y', 'dy'], y.shape, `
    var s = 0.0;
    for (var c = tid; c < cols; c += ${ROW_BLOCK}) { s = s + y[base + c] * dy[base + c]; }
    s = fold(tid, s, false);
    for (var c = tid; c < cols; c += ${ROW_BLOCK}) { setOutputAtIndex(base + c, uniforms.scale * y[base + c] * (dy[base + c] - s)); }`);
  return backend.runWebGPUProgram(program, [y, dy], 'float32', rowUniforms(y.shape, attrs.scale as number));
}

registerWebgpuKernels([

  [RMS_NORM, rmsNormKernel],
  [RMS_NORM_GRAD, rmsNormGradKernel],
  [GELU_GATE, geluGateKernel],
  [GELU_GATE_GRAD, geluGateGradKernel],
  [ROPE_HEADS, ropeHeadsKernel],
  [ROPE_HEADS_GRAD, ropeHeadsGradKernel],
  [MASKED_SOFTMAX, maskedSoftmaxKernel],
  [MASKED_SOFTMAX_GRAD, maskedSoftmaxGradKernel],
]);
