import * as tf from '@tensorflow/tfjs-core';

/**
 * The parts of tfjs-backend-webgpu's program interface that the engine's own WGSL
 * kernels (fused.ts, half.ts) use. tfjs writes each shader's header: the input
 * arrays named by `variableNames`, `result`, a `uniforms` struct with every input's
 * and the output's shape (`xShape`, `outShape`) plus `uniforms` below, and the
 * builtins `localId`, `workgroupId`. Pipelines are cached by `shaderKey` and the
 * inputs' ranks and dtypes, not their sizes: sizes must come from uniforms.
 */
export interface WebgpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size?: boolean;
  uniforms?: string;
  getUserCode(): string;
}

export type Uniform = { type: 'int32' | 'float32'; data: number[] };

interface WebgpuBackend {
  runWebGPUProgram(program: WebgpuProgram, inputs: tf.TensorInfo[], dtype: 'float32' | 'int32', uniforms?: Uniform[]): tf.TensorInfo;
}

export type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: WebgpuBackend; attrs: Record<string, unknown> };

/** Register kernels for the webgpu backend, once per process (module reloads in tests see them registered). */
export function registerWebgpuKernels(kernels: [string, (args: KernelArgs) => tf.TensorInfo][]): void {
  for (const [kernelName, kernelFunc] of kernels) {
    if (!tf.getKernel(kernelName, 'webgpu')) tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
}

/** Set to false to run tfjs's own ops on webgpu too (the A/B of tests and benchmarks). */
let enabled = true;
export function useWebgpuKernels(on: boolean): void {
  enabled = on;
}
export const hasWebgpuKernels = (): boolean => enabled && tf.getBackend() === 'webgpu';
