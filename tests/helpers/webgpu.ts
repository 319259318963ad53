import { createRequire } from 'node:module';

/**
 * The WebGPU adapter Dawn finds here, if any: a GPU, or on a CPU-only Linux box Mesa's
 * lavapipe (`mesa-vulkan-drivers` 23 or later; .ci/run installs it), which runs the
 * engine's webgpu path slowly but exactly. Tests of that path skip, with a printed
 * reason, without one.
 */
async function findAdapter(): Promise<string | null> {
  try {
    const { create } = createRequire(import.meta.url)('webgpu') as { create: (flags: string[]) => GPU };
    const adapter = await create([]).requestAdapter();
    return adapter ? `${adapter.info.vendor} ${adapter.info.architecture} ${adapter.info.description}`.trim() || 'a WebGPU adapter' : null;
  } catch {
    return null;
  }
}

export const webgpuAdapter = await findAdapter();

if (!webgpuAdapter) {
  console.warn('[webgpu] Dawn found no WebGPU adapter (no GPU, no Vulkan driver such as lavapipe): tests of the webgpu backend are skipped.');
}
