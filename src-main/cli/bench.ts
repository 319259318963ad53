import { benchEngine, DEFAULT_ENGINE_BENCH } from '../bench/engine';
import type { BackendName } from '../api/contract';
import { type CommandSpec, UsageError } from './command';

/** `sqlora bench <what>`: benchmarks that print figures and ratios (results go to BENCHMARKS.md). */
const benches: Record<string, (values: Record<string, unknown>) => Promise<Record<string, number | string>>> = {
  engine: (values) =>
    benchEngine({
      ...DEFAULT_ENGINE_BENCH,
      backend: ((values.backend as string | undefined) ?? DEFAULT_ENGINE_BENCH.backend) as BackendName | 'auto',
    }),
};

export const benchCommand: CommandSpec = {
  name: 'bench',
  summary: 'Run a benchmark and print its figures',
  usage: `sqlora bench ${Object.keys(benches).join('|')} [--backend NAME] [--json]`,
  options: { backend: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values, positionals }) {
    const bench = benches[positionals[0] ?? ''];
    if (!bench || positionals.length !== 1) throw new UsageError(`choose one of: ${Object.keys(benches).join(', ')}`);
    const result = await bench(values);
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else for (const [k, v] of Object.entries(result)) console.log(`${k.padEnd(26)} ${v}`);
    return 0;
  },
};
