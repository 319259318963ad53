import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importDataset, previewExamples, runDatasetEda, spiderSchemaSql } from '../../src-main/data';
import { openStore, type Store } from '../../src-main/store';
import { fixture, fixturesDir, haveFixtures } from '../helpers/fixtures';

let store: Store;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sqlora-spider-'));
  store = openStore(join(dir, 'store.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Spider-style schemas', () => {
  it('builds CREATE TABLE statements with composite primary keys and foreign keys, skipping sqlite_sequence', () => {
    const sql = spiderSchemaSql({
      db_id: 'x',
      table_names_original: ['person', 'has pet', 'sqlite_sequence'],
      column_names_original: [[-1, '*'], [0, 'id'], [0, 'name'], [1, 'person_id'], [1, 'pet'], [2, 'seq']],
      column_types: ['text', 'number', 'text', 'number', 'text', 'text'],
      primary_keys: [1, 3, 4],
      foreign_keys: [[3, 1]],
    });
    expect(sql).toBe(
      'CREATE TABLE person (\n  id NUMERIC,\n  name TEXT,\n  PRIMARY KEY (id)\n);\n' +
        'CREATE TABLE "has pet" (\n  person_id NUMERIC,\n  pet TEXT,\n  PRIMARY KEY (person_id, pet),\n  FOREIGN KEY (person_id) REFERENCES person(id)\n);',
    );
  });

  it('needs the tables file, and names a db_id it lacks', async () => {
    const dev = join(dir, 'dev.json');
    writeFileSync(dev, JSON.stringify([{ db_id: 'nope', question: 'q?', query: 'SELECT 1' }]));
    await expect(importDataset(store, { files: [{ path: dev }], preset: 'spider' })).rejects.toThrow(/needs the schemas file \(tables.json\)/);
    const tables = join(dir, 'tables.json');
    writeFileSync(tables, JSON.stringify([{ db_id: 'db', table_names_original: [], column_names_original: [], column_types: [], primary_keys: [], foreign_keys: [] }]));
    await expect(importDataset(store, { files: [{ path: dev }], tables })).rejects.toThrow(/dev\.json row 1 \(line 1\) column "db_id": database "nope" is not in the tables file/);
  });
});

describe.skipIf(!haveFixtures)('Spider dev set (reference fixture)', () => {
  it('imports dev.json + tables.json as they are; every gold query runs against its schema', async () => {
    const r = await importDataset(store, { files: [{ path: fixture('spider-dev/dev.json') }], tables: fixture('spider-dev/tables.json') });
    expect(r.preset).toBe('spider'); // detected from question/query/db_id
    expect(r.rows).toBe(1034);
    expect(r.files[0]).toMatchObject({ format: 'json', split: 'validation', rows: 1034, rejected: 0 });
    const first = previewExamples(store, r.datasetId, { limit: 1 }).rows[0];
    expect(first).toMatchObject({ prompt: 'How many singers do we have?', sql: 'SELECT count(*) FROM singer', domain: 'concert_singer' });
    expect(first.context).toContain('CREATE TABLE singer (\n  Singer_ID NUMERIC,\n  Name TEXT,');
    const views = await runDatasetEda(store, r.datasetId, {});
    expect(views.sqlValidity).toMatchObject({ total: 1034, valid: 1034, share: 1, contextErrors: 0 });
    const domain = views.domain!;
    if (domain.kind !== 'counts') throw new Error('domain is a counts view');
    expect(domain.distinct).toBe(20);
    expect(domain.items.slice(0, 2)).toEqual([{ label: 'world_1', count: 120 }, { label: 'car_1', count: 92 }]);
    expect(views.tablesPerContext).toMatchObject({ series: [{ stats: { min: 2, max: 11, median: 3 } }] });
  });
});

if (!haveFixtures) console.warn(`[spider] ${fixturesDir} absent: the Spider dev-set import test is skipped.`);
