import * as tf from '@tensorflow/tfjs-core';
import { customGrad1 } from './grad';
import { matMul } from './matmul';
import { hasWebgpuKernels, type KernelArgs, registerWebgpuKernels, type WebgpuProgram } from './webgpu-program';

/**
 * Frozen weights stored as float16 on webgpu: half the memory and half the bytes
 * each product reads, with float32 arithmetic.
 *
 * tfjs has no float16 tensors, so a [rows, cols] matrix is kept as int32 words of
 * two halves each, [rows, cols / 2] (column 2j in the low 16 bits, as WGSL's
 * unpack2x16float reads them), and the kernels below unpack while they load:
 * x @ W, dy @ W^T (the input gradient LoRA training needs; W itself is frozen), a
 * column gather (the embedding) and a LoRA merge. unpack2x16float is core WGSL, so
 * this needs no `shader-f16` feature: it runs on every adapter, lavapipe included.
 *
 * Real Gemma checkpoints are bfloat16, whose 8 significant bits fit in float16's 11:
 * every weight in float16's normal range (6.1e-5 to 65,504 in size) is stored
 * exactly, and only smaller ones lose bits (below 3e-8 absolute).
 */
export class HalfMatrix {
  private constructor(
    /** int32 [rows, cols / 2]. */
    readonly packed: tf.Tensor2D,
    readonly shape: [number, number],
  ) {}

  /** Row-major float32 data of a [rows, cols] matrix (cols even), rounded to nearest even. */
  static fromFloat32(data: Float32Array, rows: number, cols: number): HalfMatrix {
    return new HalfMatrix(tf.tensor2d(packHalves(data, rows, cols), [rows, cols / 2], 'int32'), [rows, cols]);
  }

  static fromPacked(packed: tf.Tensor2D): HalfMatrix {
    return new HalfMatrix(packed, [packed.shape[0], packed.shape[1] * 2]);
  }

  /** The values as float32 [rows, cols] (tests, export). */
  async toFloat32(): Promise<Float32Array> {
    return unpackHalves((await this.packed.data()) as Int32Array);
  }

  dispose(): void {
    this.packed.dispose();
  }
}

/** A frozen [in, out] weight: float32, or float16 pairs (webgpu). */
export type FrozenMatrix = tf.Tensor2D | HalfMatrix;

export const widthOf = (w: FrozenMatrix): number => w.shape[1];

/** Whether frozen weights are stored as float16 here: on webgpu with the engine's kernels, unless SQLORA_WEIGHTS=float32. */
export const halfStorageAvailable = (): boolean => hasWebgpuKernels() && process.env.SQLORA_WEIGHTS !== 'float32';

/** Upload a [rows, cols] matrix as float16 where `half` and cols is even, else as float32. */
export function frozenMatrix(data: Float32Array, rows: number, cols: number, half: boolean): FrozenMatrix {
  return half && cols % 2 === 0 ? HalfMatrix.fromFloat32(data, rows, cols) : tf.tensor2d(data, [rows, cols]);
}

/** x [M, K] @ W [K, N]; differentiable in x. */
export function frozenMatMul(x: tf.Tensor2D, w: FrozenMatrix): tf.Tensor2D {
  if (!(w instanceof HalfMatrix)) return matMul(x, w);
  const product = customGrad1<tf.Tensor2D>((input, save) => {
    save([]);
    return {
      value: runMatMul(input as tf.Tensor2D, w, false),
      gradFunc: (dy) => runMatMul(dy as tf.Tensor2D, w, true),
    };
  });
  return product(x);
}

/** dy [M, N] @ W^T for W [K, N]: [M, K]. */
export function frozenMatMulT(dy: tf.Tensor2D, w: FrozenMatrix): tf.Tensor2D {
  if (w instanceof HalfMatrix) return runMatMul(dy, w, true);
  // As (W @ dy^T)^T: on wasm a transposed operand is materialised, and W can be the 1.2 GB LM head.
  return tf.transpose(matMul(w, tf.transpose(dy)));
}

/**
 * Columns `ids - start` of W [K, N] as rows, [ids, K], times `scale`; ids outside
 * [start, start + N) give zero rows (a vocabulary shard). Not differentiable.
 */
export function gatherColumns(w: FrozenMatrix, ids: tf.Tensor1D, start: number, scale: number): tf.Tensor2D {
  if (w instanceof HalfMatrix) return tf.engine().runKernel(GATHER_HALF, { ids, w: w.packed }, { start, scale }) as tf.Tensor2D;
  return tf.tidy(() => {
    const local = tf.sub(ids, tf.scalar(start, 'int32'));
    const inside = tf.cast(tf.logicalAnd(tf.greaterEqual(local, 0), tf.less(local, w.shape[1])), 'float32');
    // Clamped with int32 scalars: wasm's ClipByValue does not clamp int32 indices.
    const clamped = tf.minimum(tf.maximum(local, tf.scalar(0, 'int32')), tf.scalar(w.shape[1] - 1, 'int32')) as tf.Tensor1D;
    return tf.mul(tf.transpose(tf.gather(w, clamped, 1)), tf.mul(tf.expandDims(inside, 1), scale)) as tf.Tensor2D;
  });
}

/** W + delta as a new matrix of W's kind (a merged LoRA adapter); W is left as it was. */
export function addToFrozen(w: FrozenMatrix, delta: tf.Tensor2D): FrozenMatrix {
  if (!(w instanceof HalfMatrix)) return tf.add(w, delta) as tf.Tensor2D;
  return HalfMatrix.fromPacked(tf.engine().runKernel(ADD_HALF, { w: w.packed, delta }, {}) as tf.Tensor2D);
}

// ---- float16 conversion on the CPU ----

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bits of a float32, rounded to nearest even as a GPU's conversion does; overflow gives infinity. */
export function toHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 112;
  if (e >= 0x1f) return sign | 0x7c00;
  // Normal: drop 13 mantissa bits. Subnormal (e <= 0): the implicit bit joins and more are dropped.
  const full = e > 0 ? mantissa : mantissa | 0x800000;
  const shift = e > 0 ? 13 : 14 - e;
  if (shift > 24) return sign;
  const kept = full >>> shift;
  const rest = full & ((1 << shift) - 1);
  const tie = 1 << (shift - 1);
  const rounded = kept + (rest > tie || (rest === tie && kept & 1) ? 1 : 0);
  // A carry out of the mantissa lands in the exponent, which is the right answer (up to infinity).
  return sign | ((e > 0 ? e << 10 : 0) + rounded);
}

export function fromHalfBits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** Low 16 bits: column 2j, high: 2j + 1. Exported for its test. */
export function packHalves(data: Float32Array, rows: number, cols: number): Int32Array {
  if (cols % 2 !== 0) throw new Error(`float16 storage packs column pairs: ${cols} columns is odd`);
  if (data.length !== rows * cols) throw new Error(`float16 storage: ${data.length} values for [${rows} x ${cols}]`);
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const out = new Int32Array(data.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = halfOfBits(bits[2 * i]) | (halfOfBits(bits[2 * i + 1]) << 16);
  return out;
}

/**
 * toHalfBits from float32 bits, with the common case inline: a float16-normal result
 * (2^-14 <= |v| < 65,520) is the rebiased top bits plus round-to-nearest-even, carry
 * included: 7-10 ns a value here, about what the transpose before it costs, where
 * toHalfBits alone took 19 (20 s of packing for Gemma-3-1b's billion weights).
 */
function halfOfBits(x: number): number {
  const abs = x & 0x7fffffff;
  if (abs >= 0x38800000 && abs < 0x477ff000) return ((x >>> 16) & 0x8000) | ((abs - 0x38000000 + 0xfff + ((abs >>> 13) & 1)) >>> 13);
  u32[0] = x;
  return toHalfBits(f32[0]);
}

function unpackHalves(words: Int32Array): Float32Array {
  const out = new Float32Array(words.length * 2);
  for (let i = 0; i < words.length; i++) {
    out[2 * i] = fromHalfBits(words[i] & 0xffff);
    out[2 * i + 1] = fromHalfBits(words[i] >>> 16);
  }
  return out;
}

// ---- WGSL kernels for tfjs-backend-webgpu ----

const MATMUL_HALF = 'SqloraMatMulHalf';
const GATHER_HALF = 'SqloraGatherHalf';
const ADD_HALF = 'SqloraAddHalf';

/**
 * Output tile of one workgroup: 16 x 16 threads, each 4 x 4 outputs strided by 16 (so
 * neighbouring threads write neighbouring columns), over a K tile of 16 staged in
 * workgroup memory.
 */
const TILE = 64;
const TILE_K = 16;
/** Products with at most this many rows (decoding) split K across workgroups instead of tiling rows. */
const SMALL_M = 16;

function runMatMul(x: tf.Tensor2D, w: HalfMatrix, transposeW: boolean): tf.Tensor2D {
  const [K, N] = w.shape;
  const inner = transposeW ? N : K;
  if (x.shape[1] !== inner) throw new Error(`float16 matmul: [${x.shape}] ${transposeW ? 'x W^T' : 'x W'} with W [${w.shape}]`);
  const M = x.shape[0];
  const outCols = transposeW ? K : N;
  // Few workgroups would leave most of a big GPU idle, so the reduction is split into
  // slices summed afterwards: for few rows (decoding), enough for ~256 workgroups of 128
  // columns, each >= 64 deep; for a long reduction on few tiles (the LM head's input
  // gradient: 72 tiles over 262,144), ~256 workgroups, each >= 1,024 deep.
  const small = M <= SMALL_M && !transposeW;
  const groups = small ? Math.ceil(N / 128) : Math.ceil(outCols / TILE) * Math.ceil(M / TILE);
  const splits = small ? Math.min(Math.ceil(256 / groups), Math.floor(inner / 64)) : groups < 128 ? Math.min(Math.ceil(256 / groups), Math.floor(inner / 1024)) : 1;
  return tf.tidy(() => {
    const partial = tf.engine().runKernel(MATMUL_HALF, { x, w: w.packed }, { transposeW, small, splits: Math.max(1, splits) }) as tf.Tensor3D;
    return (partial.shape[0] === 1 ? tf.reshape(partial, [M, outCols]) : tf.sum(partial, 0)) as tf.Tensor2D;
  });
}

/**
 * Partial products [splits, M, N] of x [M, K] @ W [K, N] (W packed [K, N/2]), or with
 * transposeW of x [M, N] @ W^T ([splits, M, K]); workgroup z takes slice z of the
 * reduction, a whole number of K tiles.
 */
function tiledProgram(transposeW: boolean, outputShape: number[]): WebgpuProgram {
  // B tile [TILE_K][TILE]: b[k][n] is W[k, n] (x W) or W[n, k] (x W^T). Each thread
  // unpacks 2 words; a word holds two neighbouring columns of a W row: along n for x W, k for x W^T.
  const [k, n, row, col, rows, cols, second] = transposeW
    ? ['(e % 8) * 2', 'e / 8', 'col0 + n', 'k0 + k', 'outCols', 'inner', 'tileB[k + 1][n]']
    : ['e / 32', '(e % 32) * 2', 'k0 + k', 'col0 + n', 'inner', 'outCols', 'tileB[k][n + 1]'];
  const loadB = `for (var i = 0; i < 2; i++) {
        let e = tid + i * 256;
        let k = ${k};
        let n = ${n};
        let row = ${row};
        let col = ${col};
        var v = vec2<f32>(0.0);
        if (row < ${rows} && col < ${cols}) { v = unpack2x16float(bitcast<u32>(w[row * words + col / 2])); }
        tileB[k][n] = v.x;
        ${second} = v.y;
      }`;
  return {
    variableNames: ['x', 'w'],
    outputShape,
    shaderKey: `sqloraMatMulHalf_${transposeW ? 'T' : 'N'}`,
    dispatchLayout: { x: [2], y: [1], z: [0] },
    dispatch: [Math.ceil(outputShape[2] / TILE), Math.ceil(outputShape[1] / TILE), outputShape[0]],
    workgroupSize: [16, 16, 1],
    getUserCode: () => `
      var<workgroup> tileA : array<array<f32, ${TILE_K}>, ${TILE}>;
      var<workgroup> tileB : array<array<f32, ${TILE}>, ${TILE_K}>;
      var<workgroup> sliceStart : i32;
      fn main() {
        let splits = uniforms.outShape[0];
        let rows = uniforms.outShape[1];
        let outCols = uniforms.outShape[2];
        let inner = uniforms.xShape[1];
        let words = uniforms.wShape[1];
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let tid = ty * 16 + tx;
        let row0 = i32(workgroupId.y) * ${TILE};
        let col0 = i32(workgroupId.x) * ${TILE};
        let slice = ((inner + splits * ${TILE_K} - 1) / (splits * ${TILE_K})) * ${TILE_K};
        // The slice's start through workgroup memory: tfjs keeps workgroupId in a private
        // variable, which WGSL's uniformity analysis does not trust as a loop bound around barriers.
        if (tid == 0) { sliceStart = i32(workgroupId.z) * slice; }
        let kStart = workgroupUniformLoad(&sliceStart);
        let kEnd = min(inner, kStart + slice);
        var acc : array<array<f32, 4>, 4>;
        for (var k0 = kStart; k0 < kEnd; k0 += ${TILE_K}) {
          for (var i = 0; i < 4; i++) {
            let e = tid + i * 256;
            let r = e / ${TILE_K};
            let c = e % ${TILE_K};
            var v = 0.0;
            if (row0 + r < rows && k0 + c < inner) { v = x[(row0 + r) * inner + k0 + c]; }
            tileA[r][c] = v;
          }
          ${loadB}
          workgroupBarrier();
          for (var k = 0; k < ${TILE_K}; k++) {
            var b : array<f32, 4>;
            for (var j = 0; j < 4; j++) { b[j] = tileB[k][tx + 16 * j]; }
            for (var i = 0; i < 4; i++) {
              let a = tileA[ty + 16 * i][k];
              for (var j = 0; j < 4; j++) { acc[i][j] = acc[i][j] + a * b[j]; }
            }
          }
          workgroupBarrier();
        }
        for (var i = 0; i < 4; i++) {
          let r = row0 + ty + 16 * i;
          for (var j = 0; j < 4; j++) {
            let c = col0 + tx + 16 * j;
            if (r < rows && c < outCols) { setOutputAtIndex((i32(workgroupId.z) * rows + r) * outCols + c, acc[i][j]); }
          }
        }
      }`,
  };
}

/**
 * x [M, K] @ W [K, N] for M <= SMALL_M into partial sums [splits, M, N]: a workgroup
 * of 64 threads covers 128 columns (one packed word each, so a row of W is read
 * contiguously) over one slice of K.
 */
function splitKProgram(splits: number, outputShape: number[]): WebgpuProgram {
  return {
    variableNames: ['x', 'w'],
    outputShape,
    shaderKey: 'sqloraMatMulHalfSplitK',
    dispatchLayout: { x: [2], y: [0] },
    dispatch: [Math.ceil(outputShape[2] / 128), splits, 1],
    workgroupSize: [64, 1, 1],
    getUserCode: () => `
      fn main() {
        let rows = uniforms.outShape[1];
        let cols = uniforms.outShape[2];
        let inner = uniforms.xShape[1];
        let words = uniforms.wShape[1];
        let word = i32(workgroupId.x) * 64 + i32(localId.x);
        let slice = (inner + uniforms.outShape[0] - 1) / uniforms.outShape[0];
        let k0 = i32(workgroupId.y) * slice;
        let k1 = min(inner, k0 + slice);
        if (word >= words) { return; }
        var acc : array<vec2<f32>, ${SMALL_M}>;
        for (var k = k0; k < k1; k++) {
          let v = unpack2x16float(bitcast<u32>(w[k * words + word]));
          for (var m = 0; m < ${SMALL_M}; m++) {
            if (m < rows) { acc[m] = acc[m] + x[m * inner + k] * v; }
          }
        }
        let base = i32(workgroupId.y) * rows * cols;
        for (var m = 0; m < ${SMALL_M}; m++) {
          if (m < rows) {
            setOutputAtIndex(base + m * cols + 2 * word, acc[m].x);
            setOutputAtIndex(base + m * cols + 2 * word + 1, acc[m].y);
          }
        }
      }`,
  };
}

/** Partial sums [splits, M, N] over `splits` slices of the reduction: tiled, or for few rows (`small`) one word per thread. */
function matMulHalfKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, w } = inputs;
  const transposeW = attrs.transposeW as boolean;
  const splits = attrs.splits as number;
  const [K, words] = w.shape;
  const outputShape = [splits, x.shape[0], transposeW ? K : 2 * words];
  const program = attrs.small ? splitKProgram(splits, outputShape) : tiledProgram(transposeW, outputShape);
  return backend.runWebGPUProgram(program, [x, w], 'float32');
}

/** out[i, k] = W[k, ids[i] - start] * scale, or 0 outside the shard. */
function gatherHalfKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { ids, w } = inputs;
  const outputShape = [ids.shape[0], w.shape[0]];
  const program: WebgpuProgram = {
    variableNames: ['ids', 'w'],
    outputShape,
    shaderKey: 'sqloraGatherHalf',
    dispatchLayout: { x: [0, 1] },
    dispatch: [Math.ceil((outputShape[0] * outputShape[1]) / 64), 1, 1],
    workgroupSize: [64, 1, 1],
    size: true,
    uniforms: 'start : i32, scale : f32,',
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let k = index % uniforms.outShape[1];
          let column = ids[index / uniforms.outShape[1]] - uniforms.start;
          var v = 0.0;
          if (column >= 0 && column < 2 * uniforms.wShape[1]) {
            let pair = unpack2x16float(bitcast<u32>(w[k * uniforms.wShape[1] + column / 2]));
            v = select(pair.x, pair.y, column % 2 == 1) * uniforms.scale;
          }
          setOutputAtIndex(index, v);
        }
      }`,
  };
  return backend.runWebGPUProgram(program, [ids, w], 'float32', [
    { type: 'int32', data: [attrs.start as number] },
    { type: 'float32', data: [attrs.scale as number] },
  ]);
}

/** Packed W + float32 delta, rounded back to float16 pairs. */
function addHalfKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { w, delta } = inputs;
  const program: WebgpuProgram = {
    variableNames: ['w', 'delta'],
    outputShape: w.shape,
    shaderKey: 'sqloraAddHalf',
    dispatchLayout: { x: [0, 1] },
    dispatch: [Math.ceil((w.shape[0] * w.shape[1]) / 64), 1, 1],
    workgroupSize: [64, 1, 1],
    size: true,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let v = unpack2x16float(bitcast<u32>(w[index])) + vec2<f32>(delta[2 * index], delta[2 * index + 1]);
          setOutputAtIndexI32(index, bitcast<i32>(pack2x16float(v)));
        }
      }`,
  };
  return backend.runWebGPUProgram(program, [w, delta], 'int32');
}

registerWebgpuKernels([
  [MATMUL_HALF, matMulHalfKernel],
  [GATHER_HALF, gatherHalfKernel],
  [ADD_HALF, addHalfKernel],
]);
