import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone has no gradients: the umbrella package registers them. Without this import they
// arrived only as a side effect of probing the optional tfjs-node (which loads it). Not tfjs-core's
// register_all_gradients itself: that is an ES file whose directory imports Node's loader refuses.
import '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { watchActiveDevice } from '../model/device-limits';
import { frozenMatMul, HalfMatrix } from '../model/half';
import { registerFastMatMulGradient, registerFastWasmSlice } from '../model/matmul';
import type { BackendInfo, BackendName, BackendProbe, GpuAdapterInfo } from '../api/contract';

/**
 * Chooses the tfjs backend the engine computes on. Auto order: webgpu (Metal on a
 * Mac, Vulkan on Linux, through Dawn's `dawn.node`), tensorflow (optional native
 * tfjs-node), wasm (SIMD), cpu. Each probe records why it is or is not usable, so
 * `sqlora doctor` can say why a backend was chosen.
 */
export const AUTO_ORDER: BackendName[] = ['webgpu', 'tensorflow', 'wasm', 'cpu'];

// Not named `require`: electron-vite's ESM bundle declares its own top-level `require` shim, and a
// second declaration in the same scope made the app's engine.js a SyntaxError.
const requireModule = createRequire(import.meta.url);

/** Adapters that emulate a GPU on the CPU (Mesa's llvmpipe/lavapipe, SwiftShader): correct but slower than wasm. */
const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|swiftshader|software/i;

async function probeWebgpu(): Promise<{ probe: BackendProbe; gpu: GpuAdapterInfo | null }> {
  try {
    const { create, globals } = requireModule('webgpu') as { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
    const gpu = create([]);
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { probe: { name: 'webgpu', available: false, detail: 'Dawn found no GPU adapter' }, gpu: null };
    const info = adapter.info;
    const detail = `${info.vendor} ${info.architecture} ${info.description}`.trim();
    const adapterInfo: GpuAdapterInfo = {
      vendor: info.vendor,
      architecture: info.architecture,
      description: info.description,
      features: [...adapter.features].sort(),
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      software: (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true || SOFTWARE_ADAPTER.test(detail),
    };
    // tfjs-backend-webgpu uses the WebGPU globals a browser has (GPUBufferUsage, GPUMapMode...), which Node
    // lacks, and registers itself only if navigator.gpu exists when it is first imported.
    for (const [name, value] of Object.entries(globals)) if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
    const g = globalThis as { navigator?: { gpu?: GPU } };
    if (!g.navigator?.gpu) Object.defineProperty(globalThis, 'navigator', { value: { ...(g.navigator ?? {}), gpu }, configurable: true });
    await import('@tensorflow/tfjs-backend-webgpu');
    return {
      probe: { name: 'webgpu', available: true, detail: (detail || 'GPU adapter found') + (adapterInfo.software ? ' - a software renderer on the CPU, slower than wasm: used only when chosen (the Compute backend setting, or --backend webgpu)' : '') },
      gpu: adapterInfo,
    };
  } catch (error) {
    return { probe: { name: 'webgpu', available: false, detail: `webgpu failed to load: ${(error as Error).message}` }, gpu: null };
  }
}

async function probeTensorflow(): Promise<BackendProbe> {
  try {
    // Optional dependency: absent or without libtensorflow on offline installs.
    await import('@tensorflow/tfjs-node' as string);
    return { name: 'tensorflow', available: true, detail: 'native libtensorflow (tfjs-node)' };
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    return { name: 'tensorflow', available: false, detail: `tfjs-node not usable: ${message}` };
  }
}

async function probeWasm(): Promise<BackendProbe> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dist = dirname(requireModule.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths(`${dist}/`);
    return { name: 'wasm', available: true, detail: `WebAssembly backend (${join(dist, 'tfjs-backend-wasm-simd.wasm')})` };
  } catch (error) {
    return { name: 'wasm', available: false, detail: `wasm backend failed to load: ${(error as Error).message}` };
  }
}

/**
 * Probe every backend, then activate the preferred one (or the first available in
 * AUTO_ORDER). Throws if an explicitly requested backend cannot be used.
 */
export async function initBackend(preferred: BackendName | 'auto' = 'auto'): Promise<BackendInfo> {
  const webgpu = await probeWebgpu();
  const probes: BackendProbe[] = [
    webgpu.probe,
    await probeTensorflow(),
    await probeWasm(),
    { name: 'cpu', available: true, detail: 'pure JavaScript (slow; for cross-checks)' },
  ];
  const candidates = preferred === 'auto' ? AUTO_ORDER : [preferred];
  for (const name of candidates) {
    const probe = probes.find((p) => p.name === name)!;
    if (!probe.available || (preferred === 'auto' && name === 'webgpu' && webgpu.gpu?.software)) continue;
    if (!(await tf.setBackend(name))) {
      probe.available = false;
      probe.detail = `tfjs could not initialise the ${name} backend`;
      continue;
    }
    await tf.ready();
    registerFastMatMulGradient();
    if (name === 'wasm') registerFastWasmSlice();
    watchActiveDevice();
    const reason =
      preferred === 'auto'
        ? `first available in the order ${AUTO_ORDER.join(' > ')}` +
          (name === AUTO_ORDER[0] ? '' : ` (${probes.filter((p) => AUTO_ORDER.indexOf(p.name) < AUTO_ORDER.indexOf(name)).map((p) => `${p.name}: ${p.detail}`).join('; ')})`)
        : `requested explicitly`;
    return { chosen: name, reason, probes, gpu: webgpu.gpu };
  }
  const why = probes.find((p) => p.name === candidates[0])?.detail ?? 'unknown backend';
  throw new Error(`The ${candidates[0]} backend cannot be used here: ${why}`);
}

/**
 * Dense matmul throughput of the active backend, in GFLOP/s: float32, or with B stored
 * as float16 the way webgpu stores frozen weights (model/half.ts).
 */
export async function benchMatmul(size: number, repeats: number, weights: 'float32' | 'float16' = 'float32'): Promise<{ gflops: number; ms: number }> {
  const a = tf.randomNormal([size, size]) as tf.Tensor2D;
  const b = tf.randomNormal([size, size]) as tf.Tensor2D;
  const half = weights === 'float16' ? HalfMatrix.fromFloat32((await b.data()) as Float32Array, size, size) : null;
  const product = () => (half ? frozenMatMul(a, half) : tf.matMul(a, b));
  const warm = product();
  await warm.data();
  warm.dispose();
  const start = performance.now();
  for (let i = 0; i < repeats; i++) {
    const c = product();
    if (i === repeats - 1) await c.data();
    c.dispose();
  }
  const ms = (performance.now() - start) / repeats;
  a.dispose();
  b.dispose();
  half?.dispose();
  return { gflops: (2 * size ** 3) / (ms * 1e6), ms };
}
