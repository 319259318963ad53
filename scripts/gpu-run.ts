/**
 * What a session with a lent GPU machine runs there (no Node.js or node_modules on it):
 * bundled with its WebGPU binding and the gemma3-tiny fixture by `node scripts/pack-gpu-run.mjs`,
 * then `source .devcarry/prelude.sh && sh .devcarry/sqlora-gpu/run.sh [MODE...]`.
 * Modes, in the default order (quickest answers first, so a run cut short still says most):
 *   parity      the transformers/PEFT parity checks of parity.test.ts, on webgpu, with the frozen
 *               weights in float32 and in float16 (webgpu's default)
 *   bench-small bench engine's small shape on webgpu
 *   bench-1b    bench gpu: Gemma-3-1b's shapes, the protocol (float16 weights)
 *   soak-1b     200 LoRA steps on Gemma-3-1b's shapes through the real loop, memory at every log
 * and, only when named:
 *   bench-1b-float32  bench-1b with SQLORA_WEIGHTS=float32 (the storage A/B)
 *   build-model the default model with GPU_MODEL_RECIPE on webgpu (SQLORA_MODEL_STEPS overrides
 *               its steps) into $OUT/sqlora-tiny-gemma3, so it comes back with the run's files
 * Every result is one JSON line on stdout (and appended to $OUT/gpu-run.jsonl where $OUT is set);
 * a mode that fails prints its error and the next one runs. Exit code 1 if any failed.
 */
import { appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src-main/engine/backend';
import { benchEngine, DEFAULT_ENGINE_BENCH, GPU_ENGINE_BENCH } from '../src-main/bench/engine';
import { GPU_SOAK, soakTrain } from '../src-main/bench/soak';
import { buildDefaultModel, DEFAULT_MODEL_NAME, GPU_MODEL_RECIPE } from '../src-main/defaults/default-model';
import { openParityFixture, PARITY_CHECKS } from '../tests/helpers/parity-checks';

// Beside run.mjs in the bundle; where the fixtures are when run from the checkout.
const fixtures = process.env.SQLORA_FIXTURES ?? join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

const print = (line: Record<string, unknown>) => {
  const text = JSON.stringify(line);
  console.log(text);
  if (process.env.OUT) appendFileSync(join(process.env.OUT, 'gpu-run.jsonl'), `${text}\n`);
};

/** Run `build` with SQLORA_WEIGHTS set (frozen-weight storage is chosen when a model is built), then restore it. */
async function withWeights<T>(weights: string, build: () => T | Promise<T>): Promise<T> {
  const before = process.env.SQLORA_WEIGHTS;
  process.env.SQLORA_WEIGHTS = weights;
  try {
    return await build();
  } finally {
    if (before === undefined) delete process.env.SQLORA_WEIGHTS;
    else process.env.SQLORA_WEIGHTS = before;
  }
}

const modes: Record<string, () => Promise<boolean>> = {
  async parity() {
    await initBackend('webgpu');
    let pass = true;
    for (const weights of ['float32', 'float16']) {
      const f = await withWeights(weights, () => openParityFixture(join(fixtures, 'gemma3-tiny')));
      try {
        for (const check of PARITY_CHECKS) {
          const measured = await check.measure(f);
          const failed = measured.filter((m) => !(m.value <= m.bound));
          const worst = measured.reduce((w, m) => (m.value / (m.bound || 1) > w.value / (w.bound || 1) ? m : w));
          print({ mode: 'parity', weights: f.model.halfWeights ? 'float16' : 'float32', check: check.name, pass: failed.length === 0, worst, failed });
          pass &&= failed.length === 0;
        }
      } finally {
        f.close();
      }
    }
    return pass;
  },
  'bench-small': async () => (print({ mode: 'bench-small', ...(await benchEngine({ ...DEFAULT_ENGINE_BENCH, backend: 'webgpu' })) }), true),
  'bench-1b': async () => (print({ mode: 'bench-1b', ...(await benchEngine(GPU_ENGINE_BENCH)) }), true),
  'bench-1b-float32': async () => (print({ mode: 'bench-1b-float32', ...(await withWeights('float32', () => benchEngine(GPU_ENGINE_BENCH))) }), true),
  async 'soak-1b'() {
    const r = await soakTrain({ ...GPU_SOAK, onLog: (l) => print({ mode: 'soak-1b', ...l }) });
    print({ mode: 'soak-1b', ...r });
    return r.allFinite === true && Number(r.lossLast) < Number(r.lossFirst) && r.tensorsFlat === true && r.gpuBytesFlat === true;
  },
  async 'build-model'() {
    await initBackend('webgpu');
    const steps = Number(process.env.SQLORA_MODEL_STEPS ?? GPU_MODEL_RECIPE.steps);
    const report = await buildDefaultModel(join(process.env.OUT ?? '.', DEFAULT_MODEL_NAME), { ...GPU_MODEL_RECIPE, steps }, (line) => print({ mode: 'build-model', line }));
    print({ mode: 'build-model', ...report });
    return Number.isFinite(report.heldOutAnswerLoss);
  },
};
const DEFAULT_MODES = ['parity', 'bench-small', 'bench-1b', 'soak-1b'];

const chosen = process.argv.slice(2);
const unknown = chosen.filter((m) => !(m in modes));
if (unknown.length) {
  console.error(`unknown mode ${unknown.join(', ')}; choose from ${Object.keys(modes).join(', ')}`);
  process.exit(2);
}
let ok = true;
for (const mode of chosen.length ? chosen : DEFAULT_MODES) {
  const t0 = performance.now();
  try {
    ok = (await modes[mode]()) && ok;
  } catch (error) {
    ok = false;
    print({ mode, error: error instanceof Error ? error.message : String(error) });
  }
  print({ mode, seconds: Math.round((performance.now() - t0) / 100) / 10 });
}
process.exit(ok ? 0 : 1);
