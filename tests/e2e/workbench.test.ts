import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type RunningHttpServer } from '../../src-main/api/http';
import { dispatch } from '../../src-main/api/server';
import { tempBackend } from '../helpers/backend';
import { fixture, haveFixtures } from '../helpers/fixtures';

/**
 * The real renderer (built by `npm test`'s electron-vite build) against the real
 * backend over HTTP + WebSocket, in Debian's Chromium: navigation by click and
 * keyboard, the first start importing the default dataset, imported runs with their
 * curves, axe on every screen in light and dark, screenshots for the docs.
 */
const chromiumPath = process.env.CHROME_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
const rendererDir = resolve(import.meta.dirname, '../../out/renderer');
const shots = resolve(import.meta.dirname, '../../docs/screenshots');
const skip = !chromiumPath || !existsSync(join(rendererDir, 'index.html'));
if (skip) console.warn(`[e2e] skipped: ${!chromiumPath ? 'no Chromium (apt-get install -y chromium)' : 'renderer not built (npm run build)'}`);

const SCREENS = ['Datasets', 'Train', 'Runs', 'Compare', 'Evaluate', 'Playground', 'Models', 'Settings'];

describe.skipIf(skip)('the workbench in a browser', () => {
  const backend = tempBackend('http');
  let server: RunningHttpServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startHttpServer({ handlers: backend.handlers, bus: backend.bus, port: 0, staticDir: rendererDir, uploadDir: join(backend.dataDir, 'uploads') });
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(server.openUrl);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await backend.cleanup();
  });

  const axe = async (label: string) => {
    await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
    const result = (await page.evaluate(() => (window as unknown as { axe: { run(o: object): Promise<unknown> } }).axe.run({ resultTypes: ['violations'] }))) as {
      violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
    };
    const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${label}: ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  };

  it('first start: the default dataset is imported and shown with its parts', async () => {
    await expect.poll(async () => page.locator('table[aria-label="Datasets"]').innerText(), { timeout: 30_000 }).toContain('Default text-to-SQL (generated)');
    const text = await page.locator('table[aria-label="Datasets"]').innerText();
    expect(text).toContain('3,800');
    for (const part of ['train 3,000', 'validation 300', 'test 500']) expect(text).toContain(part);
    await expect.poll(async () => page.locator('table[aria-label="Examples"] tbody tr').count(), { timeout: 15_000 }).toBe(20);
  }, 60_000);

  it.skipIf(!haveFixtures)("shows imported runs with their summary and curves; r16's best eval loss is 0.5742 at step 400", async () => {
    for (const r of ['r4', 'r8', 'r16']) {
      const result = await dispatch(backend.handlers, 'runs.import', { path: fixture('seed-run', 'trainer-state', `${r}.json`) });
      expect(result.ok).toBe(true);
    }
    await page.keyboard.press('Control+3');
    await expect.poll(async () => page.locator('table[aria-label="Runs"] tbody tr').count(), { timeout: 15_000 }).toBe(3);
    const row = page.locator('table[aria-label="Runs"] tbody tr', { hasText: 'r16' });
    expect(await row.innerText()).toMatch(/0\.5742\s+400/);
    await row.getByRole('button', { name: 'r16' }).click();
    await expect.poll(async () => page.locator('main h2').first().innerText()).toBe('r16');
    expect(await page.locator('canvas').count()).toBe(2);
    await page.keyboard.press('Control+4');
    await expect.poll(async () => page.locator('table[aria-label="Run comparison"] tbody tr').count()).toBe(3);
  }, 60_000);

  it('navigates every screen by keyboard, passes axe in light and dark, and leaves screenshots', async () => {
    mkdirSync(shots, { recursive: true });
    for (const theme of ['light', 'dark'] as const) {
      await dispatch(backend.handlers, 'settings.set', { theme });
      await page.reload();
      await expect.poll(async () => page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
      for (const [i, name] of SCREENS.entries()) {
        await page.keyboard.press(i < 7 ? `Control+${i + 1}` : 'Control+,');
        await expect.poll(async () => page.locator('main h1').innerText()).toBe(name);
        await page.waitForTimeout(300);
        await axe(`${name} (${theme})`);
        if (theme === 'light' || ['Datasets', 'Runs', 'Settings'].includes(name)) await page.screenshot({ path: join(shots, `${name.toLowerCase()}-${theme}.png`) });
      }
    }
    // Clicking works as well as the keyboard.
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Evaluate' }).click();
    expect(await page.locator('main h1').innerText()).toBe('Evaluate');
    expect(errors).toEqual([]);
  }, 120_000);
});
