import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { LATEST_VERSION, migrations } from './migrations';

/** The store was written by a newer app; we refuse to touch it rather than corrupt it. */
export class StoreTooNewError extends Error {
  constructor(readonly path: string, readonly found: number, readonly supported: number) {
    super(
      `The experiment store at ${path} has schema version ${found}, but this version of SQLoRA Workbench ` +
        `understands up to ${supported}. It was written by a newer release; update the app, or point it at ` +
        `another data folder. The store was not modified.`,
    );
    this.name = 'StoreTooNewError';
  }
}

export interface OpenOptions {
  /** Stop migrating at this version (tests use it to write an "old" store). */
  migrateTo?: number;
  readonly?: boolean;
  /** better-sqlite3's compiled addon to use; the Electron app passes one built for Electron's ABI. */
  nativeBinding?: string;
  /** Mark runs and jobs left `running` as interrupted (false while another live process is using the store). */
  recover?: boolean;
}

export const nowIso = (): string => new Date().toISOString();

/**
 * The experiment store: one better-sqlite3 database in WAL mode with foreign keys.
 * Opening it runs pending migrations in one transaction each and marks work that a
 * crash left `running` as `interrupted`.
 */
export class Store {
  readonly db: Database.Database;
  /** Runs and jobs found `running` at open, now marked interrupted. */
  readonly recovered: { runs: number; jobs: number };

  constructor(readonly path: string, options: OpenOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { readonly: options.readonly ?? false, nativeBinding: options.nativeBinding });
    try {
      const found = this.version();
      if (found > LATEST_VERSION) throw new StoreTooNewError(path, found, LATEST_VERSION);
      if (!options.readonly) {
        this.db.pragma('journal_mode = WAL');
        this.db.pragma('synchronous = NORMAL');
      }
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('busy_timeout = 5000');
      if (!options.readonly) this.migrate(options.migrateTo ?? LATEST_VERSION);
      this.recovered = options.readonly || options.recover === false || this.version() < 1 ? { runs: 0, jobs: 0 } : this.markInterrupted();
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  version(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private migrate(target: number): void {
    for (const migration of migrations) {
      if (migration.version <= this.version() || migration.version > target) continue;
      this.db.transaction(() => {
        migration.up(this.db);
        this.db.pragma(`user_version = ${migration.version}`);
      })();
    }
  }

  private markInterrupted(): { runs: number; jobs: number } {
    const at = nowIso();
    return this.db.transaction(() => ({
      runs: this.db
        .prepare(`UPDATE runs SET status = 'interrupted', error = COALESCE(error, 'The app or engine stopped while this run was training.'), finished_at = ? WHERE status IN ('running', 'paused')`)
        .run(at).changes,
      jobs: this.db
        .prepare(`UPDATE jobs SET status = 'interrupted', finished_at = ? WHERE status = 'running'`)
        .run(at).changes,
    }))();
  }

  /** Run `fn` in one transaction: everything it writes lands, or nothing does. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  getSetting<T>(key: string): T | undefined {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  setSetting(key: string, value: unknown): void {
    this.db
      .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(key, JSON.stringify(value));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export function openStore(path: string, options?: OpenOptions): Store {
  return new Store(path, options);
}

export { LATEST_VERSION };
