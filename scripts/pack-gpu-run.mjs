#!/usr/bin/env node
/**
 * Bundles scripts/gpu-run.ts for the lent GPU machine into .devcarry/sqlora-gpu/ (see
 * ../shared/device/README.md: that machine has no Node.js, and the working tree that
 * travels is capped at 64 MiB, so no node_modules): one ESM file plus the WebGPU binding
 * for linux-x64. Run `../shared/device/pack.sh` too, for Node and the Vulkan loaders.
 */
import { build } from 'esbuild';
import { cpSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, '.devcarry', 'sqlora-gpu');
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'scripts', 'gpu-run.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: join(out, 'run.mjs'),
  // The native binding travels as files; the optional backends are probed and reported missing.
  external: ['webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm'],
  // tfjs's CommonJS parts call require() inside an ES module.
  banner: { js: "import { createRequire as __createRequire } from 'module'; const require = __createRequire(import.meta.url);" },
  // tfjs-core's ES build registers every gradient on import; its CommonJS node build does not.
  mainFields: ['module', 'main'],
  // tfjs-backend-cpu registers itself on import but declares no side effects.
  ignoreAnnotations: true,
  logLevel: 'warning',
});
const modules = join(out, 'node_modules');
for (const part of ['index.js', 'package.json', 'dist/linux-x64']) cpSync(join(root, 'node_modules', 'webgpu', part), join(modules, 'webgpu', part), { recursive: true });
for (const dep of ['debug', 'ms']) cpSync(join(root, 'node_modules', dep), join(modules, dep), { recursive: true });
console.log(`${out}: run.mjs + the WebGPU binding; on the GPU machine: source .devcarry/prelude.sh && node .devcarry/sqlora-gpu/run.mjs [small|1b]`);
