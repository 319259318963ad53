/**
 * What a session with a lent GPU machine runs there (no Node.js or node_modules on it):
 * bundled with its WebGPU binding by `node scripts/pack-gpu-run.mjs`, then
 * `source .devcarry/prelude.sh && node .devcarry/sqlora-gpu/run.mjs [small|1b]`.
 * Prints the engine's figures on WebGPU as JSON lines: the small shape of
 * `bench engine`, then Gemma-3-1b's of `bench gpu`.
 */
import { benchEngine, DEFAULT_ENGINE_BENCH, GPU_ENGINE_BENCH } from '../src-main/bench/engine';

const which = process.argv[2] ?? 'both';
if (which !== '1b') console.log(JSON.stringify({ config: 'small', ...(await benchEngine({ ...DEFAULT_ENGINE_BENCH, backend: 'webgpu' })) }));
if (which !== 'small') console.log(JSON.stringify({ config: 'gemma3-1b', ...(await benchEngine(GPU_ENGINE_BENCH)) }));
