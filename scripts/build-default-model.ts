/**
 * Builds resources/models/sqlora-tiny-gemma3 with the engine (npm run build:default-model).
 * Reproducible: same recipe and backend, same files. SQLORA_MODEL_STEPS overrides the step
 * count (for a quick look), SQLORA_MODEL_COPY_STEPS the copy warm-up's; SQLORA_MODEL_OUT the output folder; SQLORA_MODEL_RECIPE=gpu
 * the larger recipe meant for a GPU, with SQLORA_MODEL_BACKEND=webgpu (default wasm). A value
 * none of these takes is refused (exit 2, naming the variable) before anything trains.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src-main/engine/backend';
import { BackendName } from '../src-main/api/contract';
import { wholeNumberAtLeast } from '../src-main/cli/command';
import { buildDefaultModel, DEFAULT_MODEL_NAME, DEFAULT_MODEL_RECIPE, GPU_MODEL_RECIPE } from '../src-main/defaults/default-model';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.env.SQLORA_MODEL_OUT ?? join(root, 'resources', 'models', DEFAULT_MODEL_NAME);
const recipes = { default: DEFAULT_MODEL_RECIPE, gpu: GPU_MODEL_RECIPE };
const recipeName = process.env.SQLORA_MODEL_RECIPE || 'default';
if (!(recipeName in recipes)) {
  console.error(`SQLORA_MODEL_RECIPE must be one of ${Object.keys(recipes).join(', ')}, not "${recipeName}"`);
  process.exit(2);
}
const recipe = recipes[recipeName as keyof typeof recipes];
/** A step count from the environment, refused (before an hour of training starts) unless it is a whole number. */
function stepsFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = wholeNumberAtLeast(raw, min);
  if (n === null) {
    console.error(`${name} must be a whole number of at least ${min}, not "${raw}"`);
    process.exit(2);
  }
  return n;
}
const steps = stepsFromEnv('SQLORA_MODEL_STEPS', recipe.steps, 1);
const copySteps = stepsFromEnv('SQLORA_MODEL_COPY_STEPS', recipe.copySteps, 0);
const backend = BackendName.safeParse(process.env.SQLORA_MODEL_BACKEND || 'wasm');
if (!backend.success) {
  console.error(`SQLORA_MODEL_BACKEND must be one of ${BackendName.options.join(', ')}, not "${process.env.SQLORA_MODEL_BACKEND}"`);
  process.exit(2);
}
const info = await initBackend(backend.data);
console.log(`backend ${info.chosen}; writing ${out}`);
const report = await buildDefaultModel(out, { ...recipe, steps, copySteps }, (line) => console.log(line));
console.log(JSON.stringify(report, null, 2));
