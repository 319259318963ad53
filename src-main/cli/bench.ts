import type { BackendName, DataFormat } from '../api/contract';
import { benchEval } from '../bench/eval';
import { defaultDatasetDir, defaultModelDir } from '../services/workbench';
import { join } from 'node:path';
import { benchImport, benchImportChild } from '../data/bench';
import { type CommandSpec, UsageError, wholeNumberAtLeast } from './command';

// The engine benchmarks load tfjs (about 0.4 s): imported when run, not on every `sqlora` start.
const engineBench = () => import('../bench/engine');

/** `sqlora bench <what>`: benchmarks that print figures and ratios (results go to BENCHMARKS.md). */
const benches: Record<string, (values: Record<string, unknown>, args: string[]) => Promise<Record<string, number | string | boolean>>> = {
  engine: async (values) => {
    const { benchEngine, DEFAULT_ENGINE_BENCH } = await engineBench();
    return benchEngine({
      ...DEFAULT_ENGINE_BENCH,
      backend: ((values.backend as string | undefined) ?? DEFAULT_ENGINE_BENCH.backend) as BackendName | 'auto',
    });
  },
  // Gemma-3-1b's shapes on WebGPU (Metal on a Mac, Vulkan on Linux); refuses clearly where there is no adapter or only a software one.
  gpu: async () => {
    const { benchEngine, GPU_ENGINE_BENCH } = await engineBench();
    return benchEngine(GPU_ENGINE_BENCH);
  },
  // A 200-step LoRA run through the real loop: finite falling loss, memory flat step after step.
  soak: async (values) => {
    const { soakTrain, DEFAULT_SOAK, GPU_SOAK } = await import('../bench/soak');
    const base = values.gpu ? GPU_SOAK : DEFAULT_SOAK;
    return soakTrain({
      ...base,
      backend: ((values.backend as string | undefined) ?? base.backend) as BackendName | 'auto',
      steps: positiveInt(values.steps, base.steps, '--steps'),
      onLog: (l) => console.error(`step ${l.step} loss ${l.loss.toFixed(4)} ${l.labelledTokensPerS.toFixed(0)} labelled tokens/s; ${l.tensors} tensors, ${(l.tensorBytes / 1e6).toFixed(1)} MB, GPU ${(l.gpuBytes / 1e6).toFixed(1)} MB`),
    });
  },
  train: async (values) =>
    (await import('../bench/train')).benchTrain({
      modelDir: defaultModelDir,
      datasetFile: join(defaultDatasetDir, 'train.jsonl'),
      steps: positiveInt(values.steps, 30, '--steps'),
      batchSize: 8,
      saveSteps: 10,
    }),
  eval: (values) => benchEval(values.rows === undefined ? 1000 : Number(values.rows)),
  import: async (values, args) => {
    if (values.child) {
      // internal: one measured import in a fresh process (see src-main/data/bench.ts)
      const r = await benchImportChild(args[0], values.format as DataFormat, { eda: Boolean(values.eda), tokens: Boolean(values.tokens) });
      return { ...r, edaS: r.edaS ?? 'skipped', tokensS: r.tokensS ?? 'skipped' };
    }
    const rows = positiveInt(values.rows, 100_000, '--rows');
    const formats = ((values.formats as string | undefined) ?? 'csv,jsonl,parquet').split(',') as DataFormat[];
    if (formats.some((f) => !['csv', 'jsonl', 'parquet'].includes(f))) throw new UsageError('--formats takes csv, jsonl and/or parquet');
    return benchImport({ rows, formats, eda: !values['no-eda'], tokens: Boolean(values.tokens) });
  },
};

function positiveInt(value: unknown, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = wholeNumberAtLeast(value, 1);
  if (n === null) throw new UsageError(`${flag} takes a positive whole number (got "${value}")`);
  return n;
}

export const benchCommand: CommandSpec = {
  name: 'bench',
  summary: 'Run a benchmark and print its figures',
  usage: `sqlora bench ${Object.keys(benches).join('|')} [--json]\n  engine: [--backend NAME]\n  soak: [--backend NAME] [--steps N] [--gpu (Gemma-3-1b shapes)]\n  train: [--steps N]\n  import: [--rows N] [--formats csv,jsonl,parquet] [--no-eda] [--tokens]`,
  options: {
    json: { type: 'boolean' },
    backend: { type: 'string' },
    rows: { type: 'string' },
    steps: { type: 'string' },
    formats: { type: 'string' },
    'no-eda': { type: 'boolean' },
    tokens: { type: 'boolean' },
    gpu: { type: 'boolean' },
    child: { type: 'boolean' },
    format: { type: 'string' },
    eda: { type: 'boolean' },
  },
  async run({ values, positionals }) {
    const [what, ...args] = positionals;
    const bench = benches[what ?? ''];
    if (!bench) throw new UsageError(`choose one of: ${Object.keys(benches).join(', ')}`);
    const result = await bench(values, args);
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else for (const [k, v] of Object.entries(result)) console.log(`${k.padEnd(40)} ${v}`);
    return 0;
  },
};
