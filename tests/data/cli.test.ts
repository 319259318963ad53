import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sqlora as runSqlora } from '../helpers/cli';
import { gretelRow, writeCsv } from './files';

const dataDir = mkdtempSync(join(tmpdir(), 'sqlora-cli-data-'));
const sqlora = (args: string[]) => runSqlora([...args, '--data-dir', dataDir]);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('sqlora dataset / eda', () => {
  it('imports a file, lists and shows it, and prints its EDA as JSON', async () => {
    const path = join(dataDir, 'sample_train.csv');
    writeCsv(path, Array.from({ length: 40 }, (_, i) => gretelRow(i)));
    const imported = await sqlora(['dataset', 'import', path, '--name', 'sample']);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('Dataset 1: sample (gretel, 40 rows: train 40)');
    expect(imported.stdout).toContain('validation: 40 rows read, 40 imported, 0 rejected');

    const list = await sqlora(['dataset', 'list']);
    expect(list.stdout).toMatch(/^\s+1\s+40 rows\s+gretel\s+sample$/m);

    const eda = await sqlora(['eda', 'sample', '--json', '--no-tokens']);
    expect(eda.code).toBe(0);
    const views = JSON.parse(eda.stdout);
    expect(views.domain.items).toEqual([{ label: 'finance', count: 20 }, { label: 'healthcare', count: 20 }]);
    expect(views.sqlValidity).toMatchObject({ checked: 40, valid: 40, share: 1 });
  });

  it('exits 1 naming the bad row, and 2 on wrong usage', async () => {
    const path = join(dataDir, 'bad.csv');
    writeCsv(path, [gretelRow(1), gretelRow(2, { sql_prompt: '' })]);
    const bad = await sqlora(['dataset', 'import', path]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Import failed: 1 invalid row (nothing was imported): bad.csv row 2 (line 4) column "sql_prompt": empty value');
    const usage = await sqlora(['dataset', 'show']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('dataset show needs a dataset id or name');
  });
});
