import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src-main/api/contract';
import { dispatch } from '../../src-main/api/server';
import { sqlora } from '../helpers/cli';
import { exportJob, type ExportedLine } from '../../src-main/export';
import { formatExample } from '../../src-main/model/prompt';
import { writeTinyGemma3 } from '../../src-main/model/tiny-model';
import { ChatTokenizer } from '../../src-main/model/tokenizer';
import { createRun } from '../../src-main/runs';
import { createBackend } from '../../src-main/services';
import { spawnNodeEngine } from '../../src-main/engine/host';
import { nowIso } from '../../src-main/store';
import { SEED_RECIPE, type TrainConfig } from '../../src-main/train/config';

/**
 * The exported job folder: the JSONL must carry exactly what the in-app trainer trains
 * on (same formatExample, same tokenizer), and job.json / train.py / the accelerate
 * configs must agree with the recipe.
 */
let dir: string;
let modelDir: string;

const rows = [
  { prompt: 'How many users are there?', context: 'CREATE TABLE users (id INT, name TEXT);', sql: 'SELECT COUNT(*) FROM users;', explanation: null },
  { prompt: 'List all product names.', context: 'CREATE TABLE products (id INT, name TEXT, price REAL);', sql: 'SELECT name FROM products;', explanation: 'Selects every name.' },
  { prompt: 'What is the highest price? Ünïcödé → 価格', context: 'CREATE TABLE products (id INT, name TEXT, price REAL);', sql: "SELECT MAX(price) FROM products WHERE name <> 'x\"y';", explanation: null },
  // A long schema context, cut at max length below (the SQL never is).
  { prompt: 'Sum.', context: `CREATE TABLE t (${Array.from({ length: 120 }, (_, i) => `a${i} INT`).join(', ')});`, sql: 'SELECT SUM(a0) FROM t;', explanation: null },
];
const validationRows = [rows[1], rows[0]];

const config = (over: Partial<TrainConfig> = {}): TrainConfig => ({
  ...SEED_RECIPE,
  modelPath: modelDir,
  datasetId: 1,
  lora: { r: 16, alpha: 32, dropout: 0.1, targets: ['q_proj', 'v_proj', 'gate_proj'] },
  learningRate: 3e-4,
  maxLength: 160,
  ...over,
});

const readLines = (path: string): ExportedLine[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ExportedLine);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sqlora-export-'));
  modelDir = join(dir, 'model');
  writeTinyGemma3(modelDir, { hiddenSize: 16, intermediateSize: 32, numLayers: 2, numHeads: 2, numKvHeads: 1, headDim: 8, slidingWindow: 16 }, 1);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('exportJob', () => {
  it('writes JSONL that round-trips to the same token ids and masks as formatExample', () => {
    const out = join(dir, 'job1');
    const result = exportJob({ config: config(), train: rows, validation: validationRows, outDir: out });
    const tokenizer = ChatTokenizer.load(modelDir);

    for (const [file, source] of [['train.jsonl', rows], ['validation.jsonl', validationRows]] as const) {
      const lines = readLines(join(out, 'data', file));
      expect(lines).toHaveLength(source.length);
      lines.forEach((line, i) => {
        const expected = formatExample(tokenizer, source[i], { maxLength: 160, includeExplanation: false })!;
        expect(line.input_ids).toEqual(expected.inputIds);
        expect(line.labels).toEqual(expected.labels);
        // The text halves re-tokenise to the same ids: the boundary is where the labels start.
        const promptIds = tokenizer.encode(line.prompt);
        expect(promptIds).toEqual(expected.inputIds.slice(0, expected.promptLength));
        expect(tokenizer.encode(line.completion)).toEqual(expected.inputIds.slice(expected.promptLength));
        expect(line.labels.slice(0, promptIds.length).every((l) => l === -100)).toBe(true);
        expect(line.labels.slice(promptIds.length).every((l) => l !== -100)).toBe(true);
        expect(line.prompt.startsWith('<bos><start_of_turn>user\n')).toBe(true);
        expect(line.prompt.endsWith('<start_of_turn>model\n')).toBe(true);
        expect(line.completion).toBe(`SQL: ${source[i].sql}<end_of_turn>`);
      });
    }
    expect(result.train).toMatchObject({ examples: 4, dropped: 0, truncated: 1 });
    expect(result.validation).toMatchObject({ examples: 2, dropped: 0, truncated: 0 });
    expect(readLines(join(out, 'data', 'train.jsonl'))[3].input_ids.length).toBeLessThanOrEqual(160);
    expect(readLines(join(out, 'data', 'train.jsonl'))[3].prompt).toContain('CREATE TABLE t (a0 INT, a1 INT');
  });

  it('learns the explanation when the config says so, and leaves out prompts longer than max length', () => {
    const out = join(dir, 'job-expl');
    const result = exportJob({ config: config({ includeExplanation: true, maxLength: 48 }), train: rows, validation: [], outDir: out });
    const lines = readLines(join(out, 'data', 'train.jsonl'));
    expect(result.train.examples + result.train.dropped).toBe(rows.length);
    expect(lines).toHaveLength(result.train.examples);
    const tokenizer = ChatTokenizer.load(modelDir);
    const kept = rows.filter((r) => formatExample(tokenizer, r, { maxLength: 48, includeExplanation: true }));
    expect(result.train.dropped).toBe(rows.length - kept.length);

    const out2 = join(dir, 'job-expl2');
    exportJob({ config: config({ includeExplanation: true }), train: [rows[1]], validation: [], outDir: out2 });
    expect(readLines(join(out2, 'data', 'train.jsonl'))[0].completion).toBe('SQL: SELECT name FROM products;\nExplanation: Selects every name.<end_of_turn>');
    expect(readFileSync(join(out2, 'data', 'validation.jsonl'), 'utf8')).toBe('');
  });

  it('writes job.json, train.py, accelerate configs, requirements and README consistent with the config', () => {
    const out = join(dir, 'job2');
    const c = config({ scheduler: 'linear', earlyStopping: { enabled: true, patience: 5, threshold: 0.02 }, evalLimit: 100, maxSteps: 700 });
    const result = exportJob({ config: c, train: rows, validation: validationRows, outDir: out, baseModel: 'google/gemma-3-1b-it', runId: 7, runName: 'r16' });

    const job = JSON.parse(readFileSync(join(out, 'job.json'), 'utf8'));
    expect(job).toMatchObject({ format: 'sqlora-export-job', version: 1, base_model: 'google/gemma-3-1b-it', local_model_path: modelDir, run: { id: 7, name: 'r16' }, start_adapter: null });
    expect(job.config).toEqual(c);
    expect(job.config.lora).toEqual({ r: 16, alpha: 32, dropout: 0.1, targets: ['q_proj', 'v_proj', 'gate_proj'] });
    expect(job.config.learningRate).toBe(3e-4);
    expect(job.tokenizer).toEqual({ bos_token_id: 2, pad_token_id: 0, end_of_turn_id: 106 });
    expect(job.data.train).toMatchObject({ path: 'data/train.jsonl', examples: 4 });
    expect(job.data.validation).toMatchObject({ path: 'data/validation.jsonl', examples: 2 });

    // train.py reads every key of the recipe it reproduces.
    const script = readFileSync(join(out, 'train.py'), 'utf8');
    for (const key of ['lora', 'earlyStopping', 'maxLength', 'gradAccumulation', 'batchSize', 'epochs', 'warmupRatio', 'learningRate', 'weightDecay', 'maxGradNorm', 'scheduler', 'loggingSteps', 'evalSteps', 'saveSteps', 'saveTotalLimit', 'seed']) {
      expect(script, key).toContain(`config["${key}"]`);
    }
    for (const key of ['maxSteps', 'evalLimit']) expect(script, key).toContain(`config.get("${key}")`);
    for (const key of ['r', 'alpha', 'dropout', 'targets']) expect(script).toContain(`lora["${key}"]`);
    for (const key of ['enabled', 'patience', 'threshold']) expect(script).toContain(`early["${key}"]`);
    for (const key of ['base_model', 'tokenizer', 'data']) expect(script).toContain(`job["${key}"]`);
    expect(script).toContain('job.get("start_adapter")');
    for (const arg of ['eval_strategy=', 'load_best_model_at_end=', 'metric_for_best_model="eval_loss"', 'EarlyStoppingCallback(', 'early_stopping_threshold=', 'trainer.save_model(', 'trainer.save_state()', 'lr_scheduler_type=', 'warmup_steps=', 'max_grad_norm=', 'gradient_accumulation_steps=', 'lora_dropout=', 'target_modules=', '-100']) {
      expect(script, arg).toContain(arg);
    }
    expect(script).toMatch(/"constant": "constant_with_warmup"/);

    for (const name of ['single-node-ddp.yaml', 'multi-node-ddp.yaml', 'deepspeed-zero3.yaml', 'fsdp.yaml']) expect(existsSync(join(out, 'accelerate', name)), name).toBe(true);
    expect(readFileSync(join(out, 'accelerate', 'single-node-ddp.yaml'), 'utf8')).toMatch(/distributed_type: MULTI_GPU\n[\s\S]*num_machines: 1/);
    expect(readFileSync(join(out, 'accelerate', 'multi-node-ddp.yaml'), 'utf8')).toMatch(/num_machines: 2/);
    expect(readFileSync(join(out, 'accelerate', 'deepspeed-zero3.yaml'), 'utf8')).toMatch(/distributed_type: DEEPSPEED[\s\S]*zero_stage: 3/);

    const requirements = readFileSync(join(out, 'requirements.txt'), 'utf8');
    for (const pin of ['transformers==5.17.0', 'peft==0.21.0', 'torch==2.11.0', 'accelerate==']) expect(requirements).toContain(pin);

    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    for (const text of ['accelerate launch --config_file accelerate/single-node-ddp.yaml', 'torchrun --nproc_per_node 8 train.py', '#SBATCH --nodes=2', 'sqlora import-run out/', 'LoRA r=16, alpha 32', 'lr 0.0003 (linear']) expect(readme, text).toContain(text);

    expect(result.files).toEqual(expect.arrayContaining(['job.json', 'train.py', 'data/train.jsonl', 'data/validation.jsonl', 'requirements.txt', 'README.md', 'accelerate/fsdp.yaml']));
  });

  it('refuses a config that fails validation, with the field and the reason', () => {
    const bad = { ...config(), lora: { ...config().lora, r: 0 }, learningRate: -1 };
    const out = join(dir, 'bad');
    expect(() => exportJob({ config: bad, train: rows, validation: [], outDir: out })).toThrowError(ApiError);
    expect(() => exportJob({ config: bad, train: rows, validation: [], outDir: out })).toThrowError(/cannot be exported: lora\.r: LoRA rank r must be at least 1; learningRate: learning rate must be greater than 0/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses to write over a folder that holds something other than an earlier export, and overwrites an earlier export', () => {
    const foreign = join(dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    expect(() => exportJob({ config: config(), train: rows, validation: [], outDir: foreign })).toThrowError(/not empty and holds no earlier export/);
    expect(readFileSync(join(foreign, 'notes.txt'), 'utf8')).toBe('mine');

    const again = join(dir, 'again');
    exportJob({ config: config(), train: rows, validation: [], outDir: again });
    exportJob({ config: config({ lora: { ...config().lora, r: 4 } }), train: rows.slice(0, 2), validation: [], outDir: again });
    expect(JSON.parse(readFileSync(join(again, 'job.json'), 'utf8')).config.lora.r).toBe(4);
    expect(readLines(join(again, 'data', 'train.jsonl'))).toHaveLength(2);
  });

  it('copies the starting adapter into the job so it is self-contained', () => {
    const adapter = join(dir, 'start-adapter');
    mkdirSync(adapter);
    writeFileSync(join(adapter, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 16 }));
    writeFileSync(join(adapter, 'adapter_model.safetensors'), 'weights');
    writeFileSync(join(adapter, 'optimizer.safetensors'), 'not needed');
    const out = join(dir, 'job-start');
    exportJob({ config: config({ startAdapterPath: adapter }), train: rows, validation: [], outDir: out });
    expect(JSON.parse(readFileSync(join(out, 'job.json'), 'utf8')).start_adapter).toBe('start_adapter');
    expect(readFileSync(join(out, 'start_adapter', 'adapter_model.safetensors'), 'utf8')).toBe('weights');
    expect(existsSync(join(out, 'start_adapter', 'optimizer.safetensors'))).toBe(false);
  });
});

describe('runs.exportJob and sqlora export-job', () => {
  let dataDir: string;
  let runId: number;

  beforeAll(async () => {
    dataDir = join(dir, 'data');
    const backend = createBackend({ dataDir, transport: 'http', spawnEngine: spawnNodeEngine });
    const { db } = backend.store;
    const datasetId = Number(
      db.prepare("INSERT INTO datasets (name, preset, mapping, source_files, row_count, created_at) VALUES ('tiny', 'gretel', '{}', '[]', ?, ?)").run(rows.length + 2, nowIso()).lastInsertRowid,
    );
    const insert = db.prepare('INSERT INTO examples (dataset_id, split, ord, prompt, context, sql, explanation) VALUES (?, ?, ?, ?, ?, ?, ?)');
    rows.forEach((r, i) => insert.run(datasetId, 'train', i, r.prompt, r.context, r.sql, r.explanation));
    validationRows.forEach((r, i) => insert.run(datasetId, 'validation', 100 + i, r.prompt, r.context, r.sql, r.explanation));
    runId = createRun(backend.store, { name: 'tiny r16', kind: 'trained', status: 'completed', config: config({ datasetId }), datasetId, sweepId: null });
    await backend.close();
  });

  it('exports a stored run through the contract with the same rows training reads', async () => {
    const backend = createBackend({ dataDir, transport: 'http', spawnEngine: spawnNodeEngine });
    try {
      const out = join(dir, 'via-api');
      const result = await dispatch(backend.handlers, 'runs.exportJob', { runId, outDir: out });
      expect(result).toMatchObject({ ok: true, value: { outDir: out, train: { examples: 4 }, validation: { examples: 2 } } });
      const job = JSON.parse(readFileSync(join(out, 'job.json'), 'utf8'));
      expect(job.run).toEqual({ id: runId, name: 'tiny r16' });
      const tokenizer = ChatTokenizer.load(modelDir);
      expect(readLines(join(out, 'data', 'validation.jsonl')).map((l) => l.input_ids)).toEqual(validationRows.map((r) => formatExample(tokenizer, r, { maxLength: 160, includeExplanation: false })!.inputIds));

      const both = await dispatch(backend.handlers, 'runs.exportJob', { runId, config: config(), outDir: out });
      expect(both).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringContaining('either runId or config') } });
      const invalid = await dispatch(backend.handlers, 'runs.exportJob', { config: { ...config(), maxLength: 8 }, outDir: out });
      expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringContaining('max length below 32') } });
      const missing = await dispatch(backend.handlers, 'runs.exportJob', { runId: 999, outDir: out });
      expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } });
    } finally {
      await backend.close();
    }
  });


  it('sqlora export-job RUN_ID OUTDIR writes the folder and prints where', async () => {
    const out = join(dir, 'via-cli');
    const { code, stdout, stderr } = await sqlora(['export-job', String(runId), out, '--data-dir', dataDir, '--base-model', 'google/gemma-3-1b-it']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`Exported the job to ${out}`);
    expect(stdout).toContain('train: 4 examples, 1 cut; validation: 2 examples');
    expect(stdout).toContain(`sqlora import-run ${join(out, 'out')}`);
    for (const f of ['job.json', 'train.py', 'README.md', 'requirements.txt', 'data/train.jsonl', 'accelerate/deepspeed-zero3.yaml']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'job.json'), 'utf8')).base_model).toBe('google/gemma-3-1b-it');
  });

  it('sqlora export-job CONFIG.json OUTDIR takes a config file, and reports a bad one clearly', async () => {
    const datasetId = (JSON.parse(readFileSync(join(dir, 'via-cli', 'job.json'), 'utf8')) as { config: TrainConfig }).config.datasetId;
    const good = join(dir, 'config.json');
    writeFileSync(good, JSON.stringify({ modelPath: modelDir, datasetId, lora: { r: 4, alpha: 16, dropout: 0.05, targets: ['q_proj'] } }));
    const out = join(dir, 'via-cli-config');
    const ok = await sqlora(['export-job', good, out, '--json', '--data-dir', dataDir]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ outDir: out, train: { examples: 4 } });
    // The seed's recipe fills what the file leaves out.
    expect(JSON.parse(readFileSync(join(out, 'job.json'), 'utf8')).config).toMatchObject({ learningRate: 2e-5, gradAccumulation: 8, lora: { r: 4, targets: ['q_proj'] } });

    const bad = join(dir, 'bad-config.json');
    writeFileSync(bad, JSON.stringify({ modelPath: modelDir, datasetId, learningRate: 5 }));
    const refused = await sqlora(['export-job', bad, join(dir, 'never'), '--data-dir', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('sqlora export-job: Invalid input for runs.exportJob: config.learningRate: learning rate above 1 diverges');
    expect(existsSync(join(dir, 'never'))).toBe(false);

    const usage = await sqlora(['export-job', 'nope.json', out, '--data-dir', dataDir]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('nope.json is neither a run id nor an existing config file');
  });
});

// Keep the store helper's run kinds honest: an imported run has no recipe to export.
describe('export of an imported run', () => {
  it('is refused with the reason', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sqlora-export-imported-'));
    const backend = createBackend({ dataDir, transport: 'http', spawnEngine: spawnNodeEngine });
    try {
      const id = createRun(backend.store, { name: 'hf', kind: 'imported', status: 'completed', config: { source: 'huggingface-trainer' } });
      const result = await dispatch(backend.handlers, 'runs.exportJob', { runId: id, outDir: join(dataDir, 'out') });
      expect(result).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining('was imported') } });
    } finally {
      await backend.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
