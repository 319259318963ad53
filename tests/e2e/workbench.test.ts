import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Input, Method, Output } from '../../src-main/api/contract';
import { startHttpServer, type RunningHttpServer } from '../../src-main/api/http';
import { dispatch } from '../../src-main/api/server';
import { tempBackend } from '../helpers/backend';
import { fixture, haveFixtures } from '../helpers/fixtures';

/**
 * The real renderer (built by `npm test`'s electron-vite build) against the real
 * backend over HTTP + WebSocket, in Debian's Chromium, driven the way a person
 * does: the first-run guide; a dataset dropped on the window, confirmed, charted and
 * trained on; the Train form refusing bad values, then a run paused, killed,
 * resumed and finished, and a 4/8/16 sweep; Compare with a baseline; the
 * Playground with Monaco. Every screen passes axe in light and dark and leaves a
 * screenshot for the docs. The model is the built-in one (2.0M parameters), so
 * training and generation take seconds on a CPU.
 */
const chromiumPath = process.env.CHROME_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
const rendererDir = resolve(import.meta.dirname, '../../out/renderer');
const shots = resolve(import.meta.dirname, '../../docs/screenshots');
const defaultDataset = resolve(import.meta.dirname, '../../resources/datasets/default');
const skip = !chromiumPath || !existsSync(join(rendererDir, 'index.html'));
if (skip) console.warn(`[e2e] skipped: ${!chromiumPath ? 'no Chromium (apt-get install -y chromium)' : 'renderer not built (npm run build)'}`);

const PETS = "CREATE TABLE pets (id INT, owner TEXT, species TEXT); INSERT INTO pets VALUES (1, 'Ada', 'cat'), (2, 'Bo', 'dog'), (3, 'Ada', 'dog');";
const SCREENS = ['Datasets', 'Train', 'Runs', 'Compare', 'Evaluate', 'Playground', 'Models', 'Settings'];

describe.skipIf(skip)('the workbench in a browser', () => {
  const backend = tempBackend('http');
  let server: RunningHttpServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  /** Every message the page's WebSocket received (events from the backend). */
  const eventsSeen: string[] = [];

  const call = async <M extends Method>(method: M, input: Input<M>): Promise<Output<M>> => {
    const r = await dispatch(backend.handlers, method, input);
    if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
    return r.value as Output<M>;
  };
  const main = () => page.locator('main');
  const screen = async (name: string, key: string) => {
    await page.keyboard.press(key);
    await expect.poll(() => main().locator('h1').innerText()).toBe(name);
  };
  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`) });
  const axe = async (label: string) => {
    await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
    const result = (await page.evaluate(() => (window as unknown as { axe: { run(o: object): Promise<unknown> } }).axe.run({ resultTypes: ['violations'] }))) as {
      violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
    };
    const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${label}: ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  };
  /** A chart's accessible description: its series and how many points each has. */
  const chart = (title: string) => main().locator('figure', { has: page.locator('figcaption', { hasText: title }) }).locator('[role="img"]');
  const pointsOf = async (figure: Locator, series: string) => Number(new RegExp(`${series}, (\\d+) points`).exec((await figure.getAttribute('aria-label')) ?? '')?.[1] ?? 0);
  const field = (label: string) => page.locator('form.train').getByLabel(label, { exact: true });
  const runStatus = () => main().locator('[data-testid="run-status"]');
  /** Drop files on the window as a person would drag them from the Finder. */
  const drop = async (files: { name: string; text: string }[]) => {
    const dataTransfer = await page.evaluateHandle((list) => {
      const dt = new DataTransfer();
      for (const f of list) dt.items.add(new File([f.text], f.name));
      return dt;
    }, files);
    await page.dispatchEvent('.shell', 'dragover', { dataTransfer });
    await page.dispatchEvent('.shell', 'drop', { dataTransfer });
  };

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    server = await startHttpServer({ handlers: backend.handlers, bus: backend.bus, port: 0, staticDir: rendererDir, uploadDir: join(backend.dataDir, 'uploads') });
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => eventsSeen.push(String(payload))));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(server.openUrl);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await backend.cleanup();
  });

  it('first start: the default dataset is imported, and the guide shows it and the model ready and walks the demo', async () => {
    const guide = page.getByRole('region', { name: 'Ready for a first experiment' });
    await expect.poll(() => guide.innerText(), { timeout: 30_000 }).toContain('Default text-to-SQL (generated): 3,800 examples');
    expect(await guide.innerText()).toContain('sqlora-tiny-gemma3');
    await expect.poll(() => page.locator('table[aria-label="Datasets"]').innerText(), { timeout: 15_000 }).toContain('train 3,000 · validation 300');
    await expect.poll(() => page.locator('table[aria-label="Examples"] tbody tr').count(), { timeout: 15_000 }).toBe(20);
    await shot('welcome-light');
    // The train step opens the form with the demo's quick recipe and the 4/8/16 sweep.
    await guide.getByRole('button', { name: 'Train LoRA at ranks 4, 8 and 16' }).click();
    await expect.poll(() => main().locator('h1').innerText()).toBe('Train');
    expect(await page.getByLabel('Sweep ranks 4, 8, 16').isChecked()).toBe(true);
    expect(await field('Learning rate').inputValue()).toBe('0.0005');
    expect(await page.getByRole('button', { name: 'Start 3 runs (r 4, 8, 16)' }).count()).toBe(1);
    await guide.getByRole('button', { name: 'Hide this guide' }).click();
    await page.reload();
    await expect.poll(() => main().locator('h1').innerText()).toBe('Datasets');
    expect(await page.getByRole('region', { name: 'Ready for a first experiment' }).count()).toBe(0);
    // Dismissed is not gone: the sidebar brings it back, and hiding it again sticks.
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Guide' }).click();
    await expect.poll(() => guide.innerText(), { timeout: 15_000 }).toContain('Default text-to-SQL (generated): 3,800 examples');
    await guide.getByRole('button', { name: 'Hide this guide' }).click();
    await page.reload();
    await expect.poll(() => main().locator('h1').innerText()).toBe('Datasets');
    expect(await page.getByRole('region', { name: 'Ready for a first experiment' }).count()).toBe(0);
  }, 60_000);

  it('flow 1: a dropped file is confirmed, imported with progress, reported and charted; Train starts a run on it; a bad file says why', async () => {
    const rows = readFileSync(join(defaultDataset, 'validation.jsonl'), 'utf8').trim().split('\n').slice(0, 40).join('\n');
    await drop([{ name: 'mini-train.jsonl', text: rows }]);
    const confirm = page.getByRole('group', { name: 'Confirm the import' });
    await confirm.waitFor();
    expect(await confirm.locator('table').innerText()).toMatch(/mini-train\.jsonl[\s\S]*train/);
    await confirm.getByLabel('Column preset').selectOption('gretel');
    await confirm.getByRole('button', { name: 'Import', exact: true }).click();
    await expect.poll(() => main().locator('h2').first().innerText(), { timeout: 20_000 }).toBe('mini-train');
    // After a restart the screen opens the dataset last looked at, not the default.
    await page.reload();
    await expect.poll(() => main().locator('h2').first().innerText(), { timeout: 20_000 }).toBe('mini-train');
    const report = page.getByRole('region', { name: 'Validation report' });
    expect(await report.innerText()).toMatch(/40 rows imported of 40 read; 0 rejected/);
    expect(await report.innerText()).toContain('Preset gretel: prompt ← sql_prompt');
    // The EDA views come as charts once the job has run over the 40 rows.
    await expect.poll(() => pointsOf(chart('Lengths'), 'prompt'), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await chart('SQL complexity').getAttribute('aria-label')).toMatch(/^SQL complexity: examples by complexity \(\d+\)\.$/);
    for (const title of ['Task type', 'Domains (top 20)', 'SQL keywords (top 30)', 'SQL keywords per query, by complexity', 'Tables per context']) expect(await chart(title).count()).toBe(1);
    await expect.poll(() => main().getByText('gold queries run against their context').count(), { timeout: 20_000 }).toBe(1);
    await shot('datasets-import-light');

    // Train with the defaults on the chosen base model: the run shows on the Train screen, and can be cancelled.
    await page.getByRole('region', { name: 'Train on this dataset' }).getByRole('button', { name: 'Train' }).click();
    await expect.poll(() => main().locator('h1').innerText()).toBe('Train');
    await expect.poll(() => runStatus().innerText(), { timeout: 15_000 }).toMatch(/queued|running/);
    await main().getByRole('button', { name: 'Cancel' }).click();
    // The trainer stops before its next micro-batch.
    await expect.poll(() => runStatus().innerText(), { timeout: 45_000 }).toBe('cancelled');

    // A file whose columns match no preset: nothing is imported and the message says why.
    await drop([{ name: 'bad.csv', text: 'a,b\n1,2\n' }]);
    await page.getByRole('group', { name: 'Confirm the import' }).getByRole('button', { name: 'Import', exact: true }).click();
    const failure = main().getByRole('alert');
    await expect.poll(() => failure.innerText(), { timeout: 15_000 }).toContain('cannot tell which columns hold the question, schema and SQL (found: a, b)');
    expect(await failure.innerText()).toContain('nothing was added');
    expect((await call('datasets.list', {})).length).toBe(2);
  }, 120_000);

  it('flow 2: the Train form explains bad values inline; a run trains live, pauses, survives a killed engine, resumes and shows its summary; a 4/8/16 sweep', async () => {
    await screen('Train', 'Control+2');
    const runsBefore = (await call('runs.list', {})).length;
    await page.getByRole('button', { name: 'Quick, for the built-in model' }).click();
    await field('LoRA alpha').fill('');
    await field('Learning rate').fill('-1');
    for (const t of ['q_proj', 'k_proj', 'v_proj', 'o_proj']) await page.getByLabel(t, { exact: true }).uncheck();
    await page.getByRole('button', { name: 'Start training' }).click();
    const form = page.locator('form.train');
    expect(await form.locator('.field-error').allInnerTexts()).toEqual(['LoRA alpha: enter a number', 'choose at least one target module', 'learning rate must be greater than 0']);
    expect(await form.getByRole('alert').innerText()).toBe('Nothing started: fix the 3 fields marked above.');
    expect(await field('LoRA alpha').getAttribute('aria-invalid')).toBe('true');
    expect((await call('runs.list', {})).length).toBe(runsBefore);
    await shot('train-invalid-light');

    await field('LoRA alpha').fill('16');
    await field('Learning rate').fill('0.002');
    for (const t of ['q_proj', 'v_proj']) await page.getByLabel(t, { exact: true }).check();
    await field('Rank r').selectOption('custom');
    await field('Custom rank r').fill('2');
    await field('Batch size').fill('2');
    await field('Evaluate every (steps)').fill('2');
    await page.getByText('More settings').click();
    await field('Max steps').fill('8');
    await field('Validation examples per evaluation').fill('4');
    await field('Log every (steps)').fill('1');
    await field('Checkpoint every (steps)').fill('2');
    await field('Run name').fill('live');
    // Without early stopping the run takes all its steps, whatever the eval loss does.
    await page.getByLabel('Early stopping on eval loss').uncheck();
    expect(await form.locator('.field-error').count()).toBe(0);
    await page.getByRole('button', { name: 'Start training' }).click();

    const current = page.getByRole('region', { name: 'Current run' });
    await expect.poll(() => runStatus().innerText(), { timeout: 30_000 }).toBe('running');
    await expect.poll(() => pointsOf(chart('Loss'), 'training loss'), { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
    expect(Number(await current.locator('[data-testid="tokens-per-s"]').innerText())).toBeGreaterThan(0);
    expect(await current.innerText()).toMatch(/step \d of 8/);
    expect(await current.innerText()).toMatch(/ETA \d+ s/);
    await shot('train-live-light');

    await current.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => runStatus().innerText(), { timeout: 30_000 }).toBe('paused');
    expect(await current.getByRole('status').innerText()).toContain('Paused at a checkpoint');
    await current.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => runStatus().innerText(), { timeout: 30_000 }).toBe('running');

    // The engine process dies mid-run (as on out-of-memory): the run is interrupted, and Resume finishes it.
    await expect.poll(async () => (await call('runs.get', { id: (await call('runs.list', {}))[0].id })).metrics.filter((m) => m.loss !== null).at(-1)?.step ?? 0, { timeout: 60_000 }).toBeGreaterThanOrEqual(5);
    const { pid } = await call('engine.status', {});
    process.kill(pid!, 'SIGKILL');
    await expect.poll(() => runStatus().innerText(), { timeout: 30_000 }).toBe('interrupted');
    expect(await current.getByRole('status').innerText()).toContain('Resume continues from the last checkpoint');
    await shot('train-interrupted-light');
    await current.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => runStatus().innerText(), { timeout: 90_000 }).toBe('completed');
    const summary = current.getByLabel('Summary');
    expect(await summary.innerText()).toMatch(/8\s+steps of 8/);
    expect(await current.innerText()).toContain('Stopped because: completed all 8 steps');
    // One point per step, however often the steps after a checkpoint were trained again.
    expect(await chart('Loss').getAttribute('aria-label')).toMatch(/^Loss: training loss, 8 points; eval loss, 4 points\./);
    expect(await chart('Learning rate').getAttribute('aria-label')).toMatch(/^Learning rate: learning rate, 8 points\./);
    await shot('train-finished-light');

    // The sweep: one run per rank, followed from one to the next.
    await page.getByLabel('Sweep ranks 4, 8, 16').check();
    expect(await field('Rank r').isDisabled()).toBe(true);
    await field('Max steps').fill('2');
    await field('Evaluate every (steps)').fill('1');
    await field('Validation examples per evaluation').fill('2');
    await field('Run name').fill('sweep');
    await page.getByRole('button', { name: 'Start 3 runs (r 4, 8, 16)' }).click();
    const sweep = current.getByRole('group', { name: 'Runs of this sweep' });
    await expect.poll(() => sweep.innerText(), { timeout: 120_000 }).toMatch(/sweep r4 completed\s+sweep r8 completed\s+sweep r16 completed/);
  }, 240_000);

  it('flow 3: Compare shows the metrics table with a baseline and intervals, metric bars and overlaid curves', async () => {
    const runs = await call('runs.list', {});
    const live = runs.find((r) => r.name === 'live')!;
    const model = (await call('app.defaults', {})).modelPath!;
    const datasetId = (await call('app.defaults', {})).datasetId!;
    for (const runId of [null, live.id]) {
      const { jobId } = await call('eval.run', { modelPath: model, datasetId, runId, part: 'test', limit: 6, maxNewTokens: 24, batchSize: 6 });
      expect((await backend.jobs.wait(jobId)).status).toBe('completed');
    }
    await screen('Compare', 'Control+4');
    const table = page.locator('table[aria-label="Run comparison"]');
    await expect.poll(() => table.innerText(), { timeout: 15_000 }).toContain('baseline on test');
    const baseline = table.locator('tbody tr', { hasText: 'baseline on test' });
    expect(await baseline.innerText()).toMatch(/test · 6 examples[\s\S]*0\.0%\s+0\.0% – 0\.0%/);
    expect(await table.locator('tbody tr', { hasText: 'live' }).innerText()).toMatch(/\b2\b[\s\S]*test · 6 examples/);
    // Choose exactly the baseline, 'live' and the sweep's r4.
    for (const row of await table.locator('tbody tr').all()) {
      const name = await row.locator('th').innerText();
      const want = ['baseline on test', 'live', 'sweep r4'].includes(name);
      const box = row.getByRole('checkbox');
      if ((await box.isChecked()) !== want) await box.click();
    }
    expect(await chart('Text and execution metrics').getAttribute('aria-label')).toBe('Text and execution metrics: score by metric (6) for baseline on test, live.');
    await expect.poll(async () => (await chart('Evaluation loss').getAttribute('aria-label')) ?? '').toMatch(/^Evaluation loss: (sweep r4, 2 points; live, 4 points|live, 4 points; sweep r4, 2 points)\./);
    await shot('compare-chosen-light');
  }, 120_000);

  it('flow 4: an evaluation shows its error tables; an example opens with the gold/predicted diff and both results', async () => {
    await screen('Evaluate', 'Control+5');
    await main().getByRole('button', { name: 'baseline on test' }).first().click();
    const list = page.getByRole('listbox', { name: 'Predictions' });
    await expect.poll(() => list.getByRole('option').count(), { timeout: 15_000 }).toBe(6);
    // Keyboard: focus the list, Enter opens the active (first) example.
    await list.focus();
    await page.keyboard.press('Enter');
    const example = page.getByRole('region', { name: 'Example 1' });
    await expect.poll(() => example.locator('.monaco-diff-editor').count(), { timeout: 20_000 }).toBe(1);
    // The default dataset's gold always runs, so the gold result has rows; the diff holds the gold SQL.
    expect(await example.locator('table[aria-label="Gold result"] tr').count()).toBeGreaterThan(0);
    const gold = (await call('eval.list', {})).find((e) => e.name === 'baseline on test')!;
    const first = (await call('eval.get', { id: gold.id, limit: 1 })).predictions[0];
    // Monaco draws spaces as no-break spaces.
    await expect.poll(async () => (await example.locator('.monaco-diff-editor .original').innerText()).replace(/\s+/g, ' ')).toContain(first.reference.slice(0, 20));
    await shot('evaluate-example-light');
    await example.getByRole('button', { name: 'Close' }).click();
    expect(await example.count()).toBe(0);
  }, 60_000);

  it('flow 4, at scale: 10,000 imported predictions scroll as a virtual list, filter and search on the backend', async () => {
    await screen('Evaluate', 'Control+5');
    const context = 'CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2);';
    const lines = Array.from({ length: 10_000 }, (_, i) =>
      JSON.stringify({ prompt: `Question number ${i + 1}`, reference: 'SELECT COUNT(*) FROM t;', prediction: i % 4 === 0 ? 'SELECT x FROM t;' : 'SELECT COUNT(*) FROM t;', context, complexity: i % 2 ? 'aggregation' : 'basic SQL' }),
    );
    await main().getByLabel(/Import predictions/).setInputFiles({ name: 'notebook.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(lines.join('\n')) });
    await expect.poll(async () => (await call('eval.list', {})).find((e) => e.name === 'imported notebook.jsonl')?.status, { timeout: 60_000 }).toBe('completed');
    const count = main().locator('[data-testid="prediction-count"]');
    await expect.poll(() => count.innerText(), { timeout: 15_000 }).toBe('10,000 predictions');
    expect(await main().locator('.metric .value').first().innerText()).toBe('75.0%');
    const list = page.getByRole('listbox', { name: 'Predictions' });
    await expect.poll(() => list.getByRole('option').first().innerText()).toContain('Question number 1');
    // Only what is in view (plus a few) is in the page.
    expect(await list.getByRole('option').count()).toBeLessThan(40);
    await list.focus();
    await page.keyboard.press('End');
    await expect.poll(() => list.locator('[aria-posinset="10000"]').innerText(), { timeout: 15_000 }).toContain('Question number 10000');
    expect(await list.getByRole('option').count()).toBeLessThan(40);
    await shot('evaluate-10k-light');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('region', { name: 'Example 10000' }).count()).toBe(1);

    // Filters and search run in the backend over all 10,000.
    await main().getByRole('combobox', { name: /^Correct/ }).selectOption('incorrect');
    await expect.poll(() => count.innerText()).toBe('2,500 predictions');
    await main().getByLabel('Search').fill('number 9997');
    await expect.poll(() => count.innerText()).toBe('1 prediction');
    expect(await list.getByRole('option').innerText()).toContain('Question number 9997');
    await main().getByLabel('Search').fill('');
    await main().getByRole('combobox', { name: /^Correct/ }).selectOption('');
    await main().getByRole('combobox', { name: /^Complexity/ }).selectOption('aggregation');
    await expect.poll(() => count.innerText()).toBe('5,000 predictions');
    await main().getByRole('combobox', { name: /^Complexity/ }).selectOption('');
    await axe('evaluate at scale');
  }, 120_000);

  it('flow 5: the Playground generates SQL into Monaco, completes names from the schema, runs SQL in the sandbox, keeps questions per schema', async () => {
    await screen('Playground', 'Control+6');
    await main().locator('.sql-editor[data-ready]').first().waitFor();
    const schemaBox = page.getByRole('textbox', { name: 'Schema' });
    await schemaBox.focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type(PETS);
    await page.getByLabel('Question in English').fill('How many pets does each owner have?');
    // Tokens stream to the browser while the model writes (over the app's WebSocket).
    eventsSeen.length = 0;
    await page.getByRole('button', { name: 'Generate SQL' }).click();
    await expect.poll(() => main().locator('[data-testid="generation"]').count(), { timeout: 30_000 }).toBe(1);
    const streamed = eventsSeen.filter((e) => e.includes('"generate.token"'));
    expect(streamed.length).toBe(Number(/(\d+) tokens at/.exec(await main().locator('[data-testid="generation"]').innerText())![1]));
    expect(await main().locator('[data-testid="generation"]').innerText()).toMatch(/\d+ tokens at [\d.]+ tokens\/s/);
    expect(await page.getByRole('group', { name: 'Earlier questions for this schema' }).innerText()).toContain('How many pets does each owner have?');

    // Whatever the small model wrote, replace it: completion offers the schema's names.
    const sqlBox = page.getByRole('textbox', { name: 'Generated SQL' });
    await sqlBox.focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.type('SELECT owner, COUNT(*) AS n FROM pets p WHERE p.');
    const suggestions = page.locator('.suggest-widget .monaco-list-row');
    await expect.poll(() => suggestions.allInnerTexts()).toEqual([expect.stringContaining('id'), expect.stringContaining('owner'), expect.stringContaining('species')]);
    await page.keyboard.press('Escape');
    await page.keyboard.type("species = 'dog' GROUP BY owner ORDER BY owner");
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Enter');
    const rows = main().locator('table[aria-label="Result rows"]');
    await expect.poll(() => rows.innerText(), { timeout: 15_000 }).toMatch(/owner\s+n\s+Ada\s+1\s+Bo\s+1/);
    expect(await main().locator('[data-testid="row-count"]').innerText()).toMatch(/^2 rows in \d+ ms$/);
    await main().getByRole('button', { name: /Show my changes/ }).click();
    await main().locator('.sql-diff [data-ready]').waitFor();
    await rows.scrollIntoViewIfNeeded();
    await shot('playground-rows-light');

    // A wrong column: SQLite's message in place of the rows.
    await sqlBox.focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('SELECT colour FROM pets');
    await page.keyboard.press('Escape');
    await main().getByRole('button', { name: 'Run in the sandbox' }).click();
    await expect.poll(() => main().locator('.sql-error').innerText(), { timeout: 15_000 }).toContain('no such column: colour');
    await shot('playground-error-light');

    // After a reload the default schema has no questions; pasting the pets schema again brings its question back.
    await page.reload();
    await screen('Playground', 'Control+6');
    await main().locator('.sql-editor[data-ready]').first().waitFor();
    expect(await page.getByRole('group', { name: 'Earlier questions for this schema' }).count()).toBe(0);
    await schemaBox.focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type(PETS);
    await expect.poll(() => page.getByRole('group', { name: 'Earlier questions for this schema' }).innerText()).toContain('How many pets does each owner have?');
  }, 90_000);

  it.skipIf(!haveFixtures)("shows imported runs with their summary and curves; r16's best eval loss is 0.5742 at step 400", async () => {
    for (const r of ['r4', 'r8', 'r16']) await call('runs.import', { path: fixture('seed-run', 'trainer-state', `${r}.json`), name: `seed ${r}` });
    await screen('Runs', 'Control+3');
    const row = page.locator('table[aria-label="Runs"] tbody tr', { hasText: 'seed r16' });
    await expect.poll(() => row.innerText(), { timeout: 15_000 }).toMatch(/0\.5742\s+400/);
    await row.getByRole('button', { name: 'seed r16' }).click();
    await expect.poll(() => main().locator('h2').first().innerText()).toBe('seed r16');
    expect(await pointsOf(chart('Loss'), 'eval loss')).toBe(16);
  }, 60_000);

  it('every screen passes axe in light and dark, is reachable by keyboard and by click, and leaves screenshots', async () => {
    for (const theme of ['light', 'dark'] as const) {
      await call('settings.set', { theme });
      await page.reload();
      await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
      for (const [i, name] of SCREENS.entries()) {
        await screen(name, i < 7 ? `Control+${i + 1}` : 'Control+,');
        await page.waitForTimeout(400);
        await axe(`${name} (${theme})`);
        await shot(`${name.toLowerCase()}-${theme}`);
      }
    }
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Evaluate' }).click();
    expect(await main().locator('h1').innerText()).toBe('Evaluate');
    expect(errors).toEqual([]);
  }, 120_000);
});
