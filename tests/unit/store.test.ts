import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { LATEST_VERSION, openStore, StoreTooNewError } from '../../src-main/store';

const dirs: string[] = [];
const tempStorePath = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sqlora-store-'));
  dirs.push(dir);
  return join(dir, 'store.db');
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('experiment store', () => {
  it('creates a new store at the latest schema version in WAL mode with foreign keys', () => {
    const store = openStore(tempStorePath());
    expect(store.version()).toBe(LATEST_VERSION);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['datasets', 'examples', 'runs', 'run_metrics', 'checkpoints', 'evaluations', 'predictions', 'eda_results', 'models', 'adapters', 'jobs']));
    store.close();
  });

  it('upgrades a store written by an older migration and keeps its rows', () => {
    const path = tempStorePath();
    const old = openStore(path, { migrateTo: 1 });
    expect(old.version()).toBe(1);
    expect(old.db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'evaluations'").pluck().get()).toBe(0);
    old.db
      .prepare("INSERT INTO datasets (name, preset, mapping, source_files, row_count, created_at) VALUES ('old', 'gretel', '{}', '[]', 0, 'x')")
      .run();
    old.close();

    const upgraded = openStore(path);
    expect(upgraded.version()).toBe(LATEST_VERSION);
    expect(upgraded.db.prepare('SELECT name FROM datasets').pluck().all()).toEqual(['old']);
    upgraded.db
      .prepare("INSERT INTO evaluations (name, status, config, created_at) VALUES ('e', 'completed', '{}', 'x')")
      .run();
    upgraded.close();
  });

  it('refuses a store from a newer app and does not modify it', () => {
    const path = tempStorePath();
    openStore(path).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${LATEST_VERSION + 5}`);
    raw.close();
    expect(() => openStore(path)).toThrow(StoreTooNewError);
    expect(() => openStore(path)).toThrow(/schema version \d+.*understands up to/);
    const check = new Database(path);
    expect(check.pragma('user_version', { simple: true })).toBe(LATEST_VERSION + 5);
    check.close();
  });

  it('marks runs and jobs left running by a crash as interrupted', () => {
    const path = tempStorePath();
    const store = openStore(path);
    store.db
      .prepare("INSERT INTO runs (name, kind, status, config, created_at) VALUES ('r', 'trained', 'running', '{}', 'x')")
      .run();
    store.db
      .prepare("INSERT INTO jobs (id, kind, title, status, created_at) VALUES ('j1', 'train', 'Train', 'running', 'x')")
      .run();
    store.close();
    const reopened = openStore(path);
    expect(reopened.recovered).toEqual({ runs: 1, jobs: 1 });
    expect(reopened.db.prepare('SELECT status FROM runs').pluck().get()).toBe('interrupted');
    expect(reopened.db.prepare('SELECT status FROM jobs').pluck().get()).toBe('interrupted');
    reopened.close();
  });
});
