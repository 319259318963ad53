import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { trainBpe, tokenizerFiles } from '../../src-main/defaults/bpe-tokenizer';
import initSqlJs from 'sql.js';
import { DEFAULT_DATASET_SEED, DOMAINS, splitDomains } from '../../src-main/defaults/dataset-generator';
import { chatDocument, corpusDocument, corpusDocuments, corpusRows, DEFAULT_MODEL_RECIPE, encodeDocument, lexiconText, withoutRows } from '../../src-main/defaults/default-model';
import { inventedNoun, lexiconWords, syntheticDomain } from '../../src-main/defaults/synthetic-domains';
import { SQL_KEYWORDS } from '../../src-main/data/sql-text';
import { seededRandom } from '../../src-main/train/batching';
import { executeExample } from '../../src-main/defaults/verify';
import { loadGemma3Config } from '../../src-main/model/config';
import { Gemma3Model } from '../../src-main/model/gemma3';
import { generate } from '../../src-main/model/generate';
import { lossAndGrads, makeBatch } from '../../src-main/model/lora-training';
import { formatExample } from '../../src-main/model/prompt';
import { ChatTokenizer } from '../../src-main/model/tokenizer';
import { Tokenizer } from '@huggingface/tokenizers';
import { sqlora } from '../helpers/cli';

const modelDir = resolve(import.meta.dirname, '../../resources/models/sqlora-tiny-gemma3');

describe('the BPE tokenizer trainer', () => {
  it('is deterministic, round-trips any text (bytes), and writes Gemma special tokens and chat template', () => {
    const texts = ['SELECT name FROM users WHERE id = 42;', 'How many users are there?', 'SELECT COUNT(*) FROM users;'].flatMap((t) => [t, t, t]);
    const a = trainBpe(texts, 400);
    expect(trainBpe(texts, 400)).toEqual(a);
    const files = tokenizerFiles(a);
    const tokenizer = new Tokenizer(files.tokenizer, files.config);
    for (const s of ['SELECT 1;', 'Ünïcode → 価格 ✓', '<start_of_turn>user\nhi<end_of_turn>']) {
      expect(tokenizer.decode(tokenizer.encode(s, { add_special_tokens: false }).ids, { skip_special_tokens: false })).toBe(s);
    }
    expect(tokenizer.encode('<bos><start_of_turn><end_of_turn>', { add_special_tokens: false }).ids).toEqual([2, 4, 5]);
    expect(tokenizer.encode('x').ids[0]).toBe(2);
  });
});

describe('the pretraining corpus', () => {
  it('is deterministic, mostly procedural schemas, never a held-out domain, and every gold query runs', async () => {
    const recipe = { ...DEFAULT_MODEL_RECIPE, documents: 400, syntheticDomains: 60 };
    const rows = corpusRows(recipe);
    expect(corpusRows(recipe)).toEqual(rows);
    const synthetic = rows.filter((r) => r.domain.startsWith('synthetic'));
    expect(synthetic.length).toBe(Math.round(400 * recipe.syntheticShare));
    expect(new Set(synthetic.map((r) => r.domain)).size).toBeGreaterThan(40);
    const split = splitDomains(DEFAULT_DATASET_SEED);
    for (const r of rows) expect(split.validation.concat(split.test)).not.toContain(r.domain);
    const SQL = await initSqlJs();
    const failures = rows.map((r) => executeExample(SQL, r)).filter((c) => !c.ok);
    expect(failures).toEqual([]);
    // Every document answers its row's SQL. Both script styles occur: the question after the schema
    // and before it (chat turns are tested below); about the recipe's share keep their INSERT rows.
    const docs = corpusDocuments(recipe);
    expect(docs.map((d) => d.answer.replace(/<end_of_turn>$|\n$/, ''))).toEqual(rows.map((r) => r.sql));
    expect(docs.filter((d) => d.prompt.startsWith('-- Question: ')).length).toBeGreaterThan(100);
    expect(docs.filter((d) => d.prompt.startsWith('-- ') && !d.prompt.startsWith('-- Question: ')).length).toBeGreaterThan(100);
    const withRows = docs.filter((d) => d.prompt.includes('INSERT INTO')).length;
    expect(withRows / docs.length).toBeGreaterThan(recipe.rowsShare - 0.1);
    expect(withRows / docs.length).toBeLessThan(recipe.rowsShare + 0.1);
    // Half the procedural schemas are named with made-up words, none of them a SQL keyword.
    const tables = new Set(synthetic.flatMap((r) => [...r.sql_context.matchAll(/CREATE TABLE (\w+)/g)].map((m) => m[1])));
    const madeUp = /^((b|d|f|g|k|l|m|n|p|r|s|t|v|z|br|dr|gl|kr|pl|st|tr|sk)(a|e|i|o|u|ai|ou|ee)){2,3}[nrlmkx]?(s|es)$/;
    expect([...tables].filter((t) => madeUp.test(t)).length).toBeGreaterThan(30);
  });

  it('drops INSERT rows but keeps every CREATE TABLE, and marks exactly the answer tokens and the closing <eos>', async () => {
    const row = corpusRows({ ...DEFAULT_MODEL_RECIPE, documents: 3 })[0];
    const bare = withoutRows(row.sql_context);
    expect(bare).not.toContain('INSERT');
    expect(bare.match(/CREATE TABLE/g)).toEqual(row.sql_context.match(/CREATE TABLE/g));
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.run(bare);
    db.close();
    const tokenizer = ChatTokenizer.load(modelDir);
    for (const doc of [corpusDocument({ ...row, id: 0 }), corpusDocument({ ...row, id: 1 }, false)]) {
      const { ids, answerMask } = encodeDocument(tokenizer, doc);
      expect(ids[0]).toBe(2);
      expect(ids.at(-1)).toBe(1);
      expect(answerMask.length).toBe(ids.length);
      // The closing <eos> is a target, so the model learns to stop; the explanation after a script's answer is not.
      expect(answerMask.at(-1)).toBe(1);
      expect(answerMask.at(-2)).toBe(doc.rest ? 0 : 1);
      const answerIds = ids.filter((_, i) => answerMask[i]);
      expect(tokenizer.decode(answerIds)).toBe(doc.answer);
      expect(tokenizer.decode(ids)).toBe(doc.prompt + doc.answer + doc.rest);
    }
  });
});

describe('chat documents (recipe chatShare)', () => {
  it("are Gemma chat turns with generic requests, never the seed's prompt, the SQL and <end_of_turn> the targets", () => {
    const tokenizer = ChatTokenizer.load(modelDir);
    const rows = corpusRows({ ...DEFAULT_MODEL_RECIPE, documents: 8 });
    const requests = new Set<string>();
    for (const row of rows) {
      const doc = chatDocument(row);
      const { ids, answerMask } = encodeDocument(tokenizer, doc);
      // The user turn opens exactly as the model's chat template writes one.
      const opening = tokenizer.encode(tokenizer.applyChatTemplate([{ role: 'user', content: 'x' }], false)).slice(0, 4);
      expect(ids.slice(0, 4)).toEqual(opening);
      expect(doc.prompt).not.toContain('Generate the SQL query');
      expect(doc.prompt).not.toContain('Database Context');
      expect(doc.prompt).toContain(row.sql_prompt);
      const targets = ids.filter((_, i) => answerMask[i]);
      expect(targets.slice(-2)).toEqual([tokenizer.endOfTurnId(), 1]);
      expect(tokenizer.decode(targets.slice(0, -2))).toBe(row.sql);
      requests.add(doc.prompt.split(row.sql_prompt)[0].slice(0, 40));
    }
    expect(requests.size).toBeGreaterThan(2);
    // A recipe without them keeps its corpus; with them about that share is chat.
    const plain = corpusDocuments({ ...DEFAULT_MODEL_RECIPE, documents: 400, syntheticDomains: 300, chatShare: 0 });
    expect(plain.some((d) => d.prompt.startsWith('<start_of_turn>'))).toBe(false);
    const mixed = corpusDocuments({ ...DEFAULT_MODEL_RECIPE, documents: 400, syntheticDomains: 300, chatShare: 0.25 });
    const chat = mixed.filter((d) => d.prompt.startsWith('<start_of_turn>')).length;
    expect(chat).toBeGreaterThan(70);
    expect(chat).toBeLessThan(130);
  });
});

describe("procedural schemas from every domain's words (recipe domainWords)", () => {
  it("use the held-out domains' nouns and columns, never a fixed domain's table with its own columns, and every gold query runs", async () => {
    const recipe = { ...DEFAULT_MODEL_RECIPE, documents: 1200, syntheticDomains: 900, domainWords: true };
    const rows = corpusRows(recipe);
    expect(corpusRows(recipe)).toEqual(rows);
    const split = splitDomains(DEFAULT_DATASET_SEED);
    const test = DOMAINS.filter((d) => split.test.includes(d.name));
    const text = rows.filter((r) => r.domain.startsWith('synthetic')).map((r) => r.sql_context).join(' ');
    // The test schemas' words reach the corpus: their tables' nouns and their columns...
    for (const d of test) for (const column of [d.e.num, d.e.cat, d.f.num]) expect(text, column).toContain(` ${column} `);
    expect(test.some((d) => new RegExp(`CREATE TABLE ${d.e.table} \\(`).test(text))).toBe(true);
    // ...but no procedural table named like a fixed domain's has a column of that domain (beyond the
    // `<noun>_name` / `<noun>_date` any table of that noun gets): no test table recurs.
    for (const d of DOMAINS) {
      for (const t of [d.g, d.e, d.f]) {
        const own = [d.g.cat, d.e.cat, d.e.num, d.e.label, d.f.num, d.f.date].filter((c) => !['name', 'date'].some((suffix) => c === `${t.one.replace(/ /g, '_')}_${suffix}`));
        for (const [, columns] of text.matchAll(new RegExp(`CREATE TABLE ${t.table} \\(([^)]*)\\)`, 'g'))) {
          for (const c of own) expect(columns.split(/, | /), `${t.table} with ${c}`).not.toContain(c);
        }
      }
    }
    for (const r of rows) expect(split.validation.concat(split.test)).not.toContain(r.domain);
    const SQL = await initSqlJs();
    expect(rows.map((r) => executeExample(SQL, r)).filter((c) => !c.ok)).toEqual([]);
    // Off (as shipped), the same recipe's corpus never names a held-out table.
    const heldOutTables = new Set(DOMAINS.filter((d) => !split.train.includes(d.name)).flatMap((d) => [d.g.table, d.e.table, d.f.table]));
    const shipped = corpusRows({ ...recipe, domainWords: false }).map((r) => r.sql_context).join(' ');
    for (const [, table] of shipped.matchAll(/CREATE TABLE (\w+)/g)) expect(heldOutTables.has(table), table).toBe(false);
  });
});

describe("the tokenizer's lexicon", () => {
  it("holds every word the generators name things with, the held-out domains' included", () => {
    const words = lexiconWords(DOMAINS);
    expect(words).toEqual([...new Set(words)].sort());
    expect(words.every((w) => /^\p{L}{2,}$/u.test(w))).toBe(true);
    const names = DOMAINS.flatMap((d) => [d.g.table, d.g.id, d.g.label, d.g.cat, d.e.table, d.e.id, d.e.label, d.e.cat, d.e.num, d.f.table, d.f.id, d.f.num, d.f.date, ...d.g.cats]);
    for (const name of names) for (const w of name.match(/\p{L}{2,}/gu) ?? []) expect(words, name).toContain(w);
    // The procedural pools' words too (tables, measures, places, made-up labels' halves).
    for (const w of ['gardens', 'weight', 'Lisbon', 'Falcon']) expect(words).toContain(w);
  });

  it("makes a tokenizer spell the test domains' table and column names as whole words, as the schema does", () => {
    const lexicon = lexiconText();
    const files = tokenizerFiles(trainBpe(['SELECT name FROM users;', lexicon, lexicon], 8192));
    const tokenizer = new Tokenizer(files.tokenizer, files.config);
    const test = DOMAINS.filter((d) => splitDomains(DEFAULT_DATASET_SEED).test.includes(d.name));
    expect(test.length).toBeGreaterThan(0);
    for (const d of test) {
      for (const name of [d.g.table, d.g.label, d.g.cat, d.e.table, d.e.id, d.e.label, d.e.cat, d.e.num, d.f.table, d.f.num, d.f.date]) {
        const pieces = tokenizer.encode(` ${name}`, { add_special_tokens: false }).tokens;
        expect(pieces, name).toEqual(name.split(/(_)/).map((part, i) => (i === 0 ? `Ġ${part}` : part)));
      }
    }
  });
});

describe('invented table names', () => {
  it('are pronounceable made-up words, never a SQL keyword or an excluded word', () => {
    const random = seededRandom(3);
    const words = Array.from({ length: 2000 }, () => inventedNoun(random));
    for (const [one, many] of words) {
      expect(one).toMatch(/^[a-z]{4,}$/);
      expect(many.startsWith(one)).toBe(true);
    }
    expect(new Set(words.map((w) => w[0])).size).toBeGreaterThan(1500);
    const spec = syntheticDomain(seededRandom(4), 0, new Set(['garden', 'gardens']), true);
    for (const t of [spec.g, spec.e, spec.f]) {
      expect(SQL_KEYWORDS.has(t.table.toUpperCase())).toBe(false);
      expect(t.one).toMatch(/^[a-z]+$/);
    }
  });
});

describe('the embedded default model', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('loads through the normal loader, knows SQL (low answer loss on a document of its training domains), stops, and generates', async () => {
    // `npm run build:default-model` rebuilds exactly what ships: its recording of the recipe is the recipe.
    expect(JSON.parse(readFileSync(join(modelDir, 'build.json'), 'utf8')).recipe).toEqual(DEFAULT_MODEL_RECIPE);
    const config = loadGemma3Config(modelDir);
    expect(config).toMatchObject({ vocabSize: 8192, hiddenSize: 128, numLayers: 4, layerTypes: ['sliding', 'sliding', 'sliding', 'full'] });
    const model = Gemma3Model.load(modelDir, config);
    const tokenizer = ChatTokenizer.load(modelDir);
    const row = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../resources/datasets/default/test.jsonl'), 'utf8').split('\n')[0]);
    const f = formatExample(tokenizer, { prompt: row.sql_prompt, context: row.sql_context, sql: row.sql, explanation: null }, { maxLength: 512, includeExplanation: false })!;
    expect(f.inputIds[0]).toBe(2);
    // It answers SQL documents of its training domains (uniform would be ln 8192 = 9.0)...
    const trainingRow = corpusRows({ ...DEFAULT_MODEL_RECIPE, documents: 3 })[0];
    const doc = encodeDocument(tokenizer, corpusDocument(trainingRow));
    const labels = doc.ids.map((id, i) => (doc.answerMask[i] ? id : -100));
    const known = await lossAndGrads(model, null, makeBatch([{ inputIds: doc.ids, labels }], 0), { withGrad: false });
    expect(known.lossSum / known.tokens).toBeLessThan(2);
    // ...and it stops: the worked-exercise form of that document ends its answer with <eos>.
    const exercise = encodeDocument(tokenizer, corpusDocument({ ...trainingRow, id: 1 }));
    const answerStart = exercise.answerMask.indexOf(1);
    const answer = await generate(model, [exercise.ids.slice(0, answerStart)], { maxNewTokens: 96, stopTokenIds: [1] });
    expect(answer.finish[0]).toBe('stop');
    // ...but not the chat prompt the fine-tuning teaches: that is LoRA's job.
    const chat = await lossAndGrads(model, null, makeBatch([f], 0), { withGrad: false });
    expect(chat.lossSum / chat.tokens).toBeGreaterThan(known.lossSum / known.tokens + 2);
    const out = await generate(model, [f.inputIds.slice(0, f.promptLength)], { maxNewTokens: 12, stopTokenIds: [1, 5] });
    expect(out.tokens[0].length).toBeGreaterThan(0);
    // An immediate <end_of_turn> and ids the tokenizer does not know (a model may pad its embedding past the vocabulary) decode without error.
    expect(tokenizer.decode([])).toBe('');
    expect(tokenizer.decode([9000, 9999])).toBe('');
    model.dispose();
  });
});

const run = promisify(execFile);
describe('sqlora demo --quick', () => {
  it('runs the whole experiment end to end on the defaults (tiny step counts) and prints the seed-shaped table', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sqlora-demo-'));
    try {
      const { stdout } = await run(process.execPath, [resolve(import.meta.dirname, '../../bin/sqlora.mjs'), 'demo', '--quick', '--json', '--data-dir', dataDir], { timeout: 600_000 });
      const result = JSON.parse(stdout);
      expect(result.rows.map((r: { name: string }) => r.name)).toEqual(['baseline', 'demo r4', 'demo r8', 'demo r16']);
      for (const r of result.rows) {
        expect(r.metrics.n).toBe(4);
        expect(r.metrics.execution.scored).toBe(4);
      }
      expect(result.rows.slice(1).map((r: { steps: number }) => r.steps)).toEqual([2, 2, 2]);
      expect(result.eda.sqlValidity).toBe(1);
      expect(result.reading).toMatch(/LoRA run beats the baseline/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 600_000);

  it('--model names another base model folder, checked before anything runs', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sqlora-demo-'));
    try {
      const nowhere = join(dataDir, 'nowhere');
      expect(await sqlora(['demo', '--model', nowhere, '--data-dir', dataDir])).toMatchObject({ code: 2, stderr: expect.stringContaining(`--model ${nowhere}: no such folder`) });
      // A folder without its tokenizer is refused, naming the file, before the baseline is evaluated.
      const partial = join(dataDir, 'partial');
      cpSync(modelDir, partial, { recursive: true });
      rmSync(join(partial, 'tokenizer.json'));
      const refused = await sqlora(['demo', '--quick', '--model', partial, '--data-dir', dataDir]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('tokenizer.json: missing');
      expect(refused.stderr).not.toContain('baseline on test');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
