import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../src-main/api/server';
import { tempBackend } from '../helpers/backend';
import { fixture, haveFixtures } from '../helpers/fixtures';

let backend: ReturnType<typeof tempBackend>;
afterEach(async () => backend?.cleanup());

describe.skipIf(!haveFixtures)("importing the seed's Trainer runs", () => {
  it('imports r16: curves, best eval_loss 0.5742 at step 400, early stopping', async () => {
    backend = tempBackend();
    const result = await dispatch(backend.handlers, 'runs.import', { path: fixture('seed-run/trainer-state/r16.json') });
    expect(result.ok).toBe(true);
    const run = (result as { value: { id: number } }).value;
    const got = await dispatch(backend.handlers, 'runs.get', { id: run.id });
    const { run: record, metrics } = (got as { value: { run: any; metrics: any[] } }).value;
    expect(record).toMatchObject({ name: 'r16', kind: 'imported', status: 'completed' });
    expect(record.summary.bestEvalLoss).toBeCloseTo(0.5742, 4);
    expect(record.summary).toMatchObject({ bestStep: 400, steps: 400, maxSteps: 1875 });
    expect(record.summary.stoppedBecause).toMatch(/^early stopping/);
    expect(record.summary.runtimeS).toBeCloseTo(4333.5262, 3);
    // 40 logging steps (every 10) and 16 evaluations (every 25) on the shared step axis
    expect(metrics.filter((m) => m.loss !== null)).toHaveLength(40);
    expect(metrics.filter((m) => m.evalLoss !== null)).toHaveLength(16);
    expect(metrics[0]).toMatchObject({ step: 10, loss: 2.0712, gradNorm: expect.closeTo(6.66026, 4), evalLoss: null });
    expect(metrics.find((m) => m.step === 50)).toMatchObject({ loss: 1.8606, evalLoss: expect.closeTo(1.9032, 3) });
  });

  it('exports a run as Trainer output that imports back to the same curves and adapter', async () => {
    backend = tempBackend();
    const imported = await dispatch(backend.handlers, 'runs.import', { path: fixture('seed-run/trainer-state/r4.json'), adapterPath: fixture('seed-run/adapter-r4') });
    const id = (imported as { value: { id: number } }).value.id;
    const out = join(mkdtempSync(join(tmpdir(), 'sqlora-export-')), 'r4-out');
    const exported = await dispatch(backend.handlers, 'runs.exportResults', { id, outDir: out });
    expect(exported).toMatchObject({ ok: true, value: { outDir: out, files: ['trainer_state.json', 'adapter_config.json', 'adapter_model.safetensors'] } });
    const again = await dispatch(backend.handlers, 'runs.import', { path: out, name: 'r4 again' });
    expect(again, JSON.stringify(again)).toMatchObject({ ok: true });
    const [a, b] = await Promise.all([id, (again as { value: { id: number } }).value.id].map((runId) => dispatch(backend.handlers, 'runs.get', { id: runId })));
    const first = (a as { value: { run: any; metrics: any[] } }).value;
    const second = (b as { value: { run: any; metrics: any[] } }).value;
    expect(second.metrics.map((m) => [m.step, m.loss, m.evalLoss, m.learningRate, m.gradNorm])).toEqual(first.metrics.map((m) => [m.step, m.loss, m.evalLoss, m.learningRate, m.gradNorm]));
    expect(second.run.summary).toMatchObject({ bestEvalLoss: first.run.summary.bestEvalLoss, bestStep: first.run.summary.bestStep, steps: first.run.summary.steps });
    expect(second.run.adapterPath).toBe(out);
  });

  it('imports r4 with its PEFT adapter and r8 beside it', async () => {
    backend = tempBackend();
    await dispatch(backend.handlers, 'runs.import', { path: fixture('seed-run/trainer-state/r4.json'), adapterPath: fixture('seed-run/adapter-r4') });
    await dispatch(backend.handlers, 'runs.import', { path: fixture('seed-run/trainer-state/r8.json') });
    const list = (await dispatch(backend.handlers, 'runs.list', {})) as { value: any[] };
    expect(list.value.map((r) => r.name)).toEqual(['r8', 'r4']);
    const r4 = list.value[1];
    expect(r4.adapterPath).toBe(fixture('seed-run/adapter-r4'));
    expect(r4.config.lora).toMatchObject({ r: 4, alpha: 16, baseModel: 'google/gemma-3-1b-it' });
    expect(r4.summary.bestEvalLoss).toBeCloseTo(0.5683, 4);
    expect(list.value[0].summary.bestEvalLoss).toBeCloseTo(0.5652, 4);
  });

  it('finds the adapter inside a Trainer output folder', async () => {
    backend = tempBackend();
    const dir = mkdtempSync(join(tmpdir(), 'trainer-out-'));
    cpSync(fixture('seed-run/trainer-state/r8.json'), join(dir, 'trainer_state.json'));
    cpSync(fixture('seed-run/adapter-r4'), dir, { recursive: true });
    writeFileSync(join(dir, 'all_results.json'), JSON.stringify({ train_loss: 0.98 }));
    const result = (await dispatch(backend.handlers, 'runs.import', { path: dir, name: 'cluster run' })) as { value: any };
    expect(result.value).toMatchObject({ name: 'cluster run', adapterPath: dir });
  });
});

describe('importing malformed Trainer output', () => {
  const write = (name: string, text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'trainer-bad-'));
    writeFileSync(join(dir, name), text);
    return dir;
  };

  it('names the file and the key that is wrong, and stores nothing', async () => {
    backend = tempBackend();
    const cases: [string, string, RegExp][] = [
      ['trainer_state.json', '{"log_history": [', /trainer_state\.json is not valid JSON/],
      ['trainer_state.json', '{"global_step": 3}', /trainer_state\.json: log_history .*expected array/],
      ['trainer_state.json', '{"global_step": 3, "log_history": [{"step": 1, "loss": 2}, {"loss": 1}]}', /trainer_state\.json: log_history\[1\]\.step /],
      ['trainer_state.json', '{"global_step": 3, "log_history": [{"step": 1, "loss": "NaN"}]}', /log_history\[0\]\.loss /],
      ['other.json', '{}', /has no trainer_state\.json/],
    ];
    for (const [name, text, message] of cases) {
      const dir = write(name, text);
      const result = await dispatch(backend.handlers, 'runs.import', { path: dir });
      expect(result.ok, text).toBe(false);
      expect((result as { error: { message: string } }).error.message).toMatch(message);
    }
    const bad = write('trainer_state.json', '{"global_step": 1, "log_history": [{"step": 1, "loss": 2}]}');
    mkdirSync(join(bad, 'adapter'));
    writeFileSync(join(bad, 'adapter', 'adapter_config.json'), '{"peft_type": "LORA", "r": 0, "lora_alpha": 16, "target_modules": ["q_proj"]}');
    const adapterResult = await dispatch(backend.handlers, 'runs.import', { path: bad, adapterPath: join(bad, 'adapter') });
    expect((adapterResult as { error: { message: string } }).error.message).toMatch(/adapter_config\.json: r /);
    expect(backend.store.db.prepare('SELECT count(*) FROM runs').pluck().get()).toBe(0);
    expect(backend.store.db.prepare('SELECT count(*) FROM run_metrics').pluck().get()).toBe(0);
  });
});
