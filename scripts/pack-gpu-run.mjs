#!/usr/bin/env node
/**
 * Bundles scripts/gpu-run.ts for the lent GPU machine into .devcarry/sqlora-gpu/ (see
 * ../shared/device/README.md: that machine has no Node.js, and the working tree that
 * travels is capped at 64 MiB, so no node_modules): one ESM file plus the WebGPU binding
 * for linux-x64, and the gemma3-tiny fixture the parity checks read. Run
 * `../shared/device/pack.sh` too, for Node and the Vulkan loaders.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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
const fixture = resolve(process.env.SQLORA_FIXTURES ?? join(root, '..', 'shared', 'fixtures'), 'gemma3-tiny');
if (!existsSync(fixture)) throw new Error(`${fixture} not found: the parity mode needs it (set SQLORA_FIXTURES to the fixtures folder)`);
cpSync(fixture, join(out, 'fixtures', 'gemma3-tiny'), { recursive: true });
const modules = join(out, 'node_modules');
for (const part of ['index.js', 'package.json', 'dist/linux-x64']) cpSync(join(root, 'node_modules', 'webgpu', part), join(modules, 'webgpu', part), { recursive: true });
for (const dep of ['debug', 'ms']) cpSync(join(root, 'node_modules', dep), join(modules, dep), { recursive: true });
// The binding is 21 MB of the 64 MiB that may travel; xz takes it to a third, run.sh unpacks it there.
const binding = join(modules, 'webgpu', 'dist', 'linux-x64', 'dawn.node');
execFileSync('xz', ['-T2', '-6', binding]);
writeFileSync(
  join(out, 'run.sh'),
  `#!/bin/sh
# node .devcarry/sqlora-gpu/run.mjs, after unpacking the WebGPU binding once
here=$(dirname "$0")
[ -f "$here/node_modules/webgpu/dist/linux-x64/dawn.node" ] || xz -dk "$here/node_modules/webgpu/dist/linux-x64/dawn.node.xz"
exec node "$here/run.mjs" "$@"
`,
  { mode: 0o755 },
);
console.log(`${out}: run.mjs + the WebGPU binding + fixtures; on the GPU machine: source .devcarry/prelude.sh && sh .devcarry/sqlora-gpu/run.sh [parity bench-small bench-1b soak-1b]`);
