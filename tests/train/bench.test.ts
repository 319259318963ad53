import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sqlora } from '../helpers/cli';

describe('npm run bench:train', () => {
  it('every bench:* script names a benchmark the CLI has', async () => {
    const scripts = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../package.json'), 'utf8')).scripts as Record<string, string>;
    const { stdout, stderr } = await sqlora(['bench', '--help']);
    const usage = stdout + stderr;
    const benches = Object.entries(scripts).filter(([name]) => name.startsWith('bench:'));
    expect(benches.length).toBeGreaterThan(3);
    for (const [name, command] of benches) {
      const what = /sqlora\.mjs bench (\w+)/.exec(command)?.[1];
      expect(what, name).toBe(name.slice('bench:'.length));
      expect(usage, name).toContain(what);
    }
  });

  it('refuses a step count that is not a positive whole number, naming the flag', async () => {
    for (const bad of ['0', 'abc', '2.5']) {
      const { code, stderr } = await sqlora(['bench', 'train', '--steps', bad]);
      expect(code).not.toBe(0);
      expect(stderr).toContain(`--steps takes a positive whole number (got "${bad}")`);
    }
  });

  it('times a real run (log every step, checkpoints) against the raw steps of the same batches', async () => {
    const { code, stdout, stderr } = await sqlora(['bench', 'train', '--steps', '3', '--json'], 300_000);
    expect(code, stderr).toBe(0);
    const r = JSON.parse(stdout);
    expect(r).toMatchObject({ backend: 'wasm', steps: 3, logLines: 3, checkpoints: 0 });
    expect(r.rawTokensPerS).toBeGreaterThan(0);
    expect(r.realTokensPerS).toBeGreaterThan(0);
    // Labelled (SQL) tokens are a fraction of the processed ones: the prompt carries the schema.
    expect(r.rawLabelledTokensPerS).toBeLessThan(r.rawTokensPerS);
    // The real run's time splits into engine steps, checkpoint saves, encoding and the loop's rest.
    expect(r.stepsInRealRunS).toBeGreaterThan(0);
    expect(r.stepsInRealRunS + r.checkpointSaveS + r.loopRestS + r.encodeS).toBeCloseTo(r.realRunS, 1);
    expect(r.overheadPercent).toBeCloseTo((100 * (r.realRunS - r.stepsInRealRunS)) / r.stepsInRealRunS, 0);
    expect(Number.isFinite(r.realVsRawPercent)).toBe(true);
  }, 300_000);
});
