import type Database from 'better-sqlite3';

/**
 * Versioned schema migrations for the experiment store. The version lives in
 * SQLite's `PRAGMA user_version`; migration N moves the store from N-1 to N.
 * Append new migrations at the end - never edit one that has shipped, because
 * users' stores were written by it.
 */
export interface Migration {
  version: number;
  description: string;
  up(db: Database.Database): void;
}

export const migrations: Migration[] = [
  {
    version: 1,
    description: 'datasets, examples, models, adapters, runs, metrics, checkpoints, jobs, settings',
    up(db) {
      db.exec(`
        CREATE TABLE datasets (
          id            INTEGER PRIMARY KEY,
          name          TEXT NOT NULL UNIQUE,
          preset        TEXT NOT NULL,
          mapping       TEXT NOT NULL,            -- JSON: logical field -> source column
          source_files  TEXT NOT NULL,            -- JSON: [{path, split, format, rows}]
          row_count     INTEGER NOT NULL DEFAULT 0,
          report        TEXT,                     -- JSON: validation report
          created_at    TEXT NOT NULL
        );
        CREATE TABLE examples (
          id            INTEGER PRIMARY KEY,
          dataset_id    INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
          split         TEXT NOT NULL,            -- the split the source file gave (train/validation/test)
          ord           INTEGER NOT NULL,         -- row order within the dataset
          prompt        TEXT NOT NULL,
          context       TEXT NOT NULL,
          sql           TEXT NOT NULL,
          explanation   TEXT,
          domain        TEXT,
          complexity    TEXT,
          task_type     TEXT,
          meta          TEXT                      -- JSON: unmapped source columns
        );
        CREATE INDEX examples_dataset_split ON examples(dataset_id, split, ord);

        CREATE TABLE splits (
          id            INTEGER PRIMARY KEY,
          dataset_id    INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
          name          TEXT NOT NULL,
          spec          TEXT NOT NULL,            -- JSON: how it was made (seed, sizes, stratify)
          created_at    TEXT NOT NULL,
          UNIQUE (dataset_id, name)
        );
        CREATE TABLE split_members (
          split_id      INTEGER NOT NULL REFERENCES splits(id) ON DELETE CASCADE,
          example_id    INTEGER NOT NULL REFERENCES examples(id) ON DELETE CASCADE,
          part          TEXT NOT NULL,            -- train / validation / test
          PRIMARY KEY (split_id, example_id)
        );
        CREATE INDEX split_members_part ON split_members(split_id, part);

        CREATE TABLE models (
          id            INTEGER PRIMARY KEY,
          name          TEXT NOT NULL UNIQUE,
          path          TEXT NOT NULL,            -- registered by path, never copied
          source        TEXT NOT NULL,            -- bundled / local / hf-cache / hub
          config        TEXT NOT NULL,            -- JSON summary of config.json
          created_at    TEXT NOT NULL
        );
        CREATE TABLE adapters (
          id            INTEGER PRIMARY KEY,
          name          TEXT NOT NULL,
          path          TEXT NOT NULL,
          model_id      INTEGER REFERENCES models(id) ON DELETE SET NULL,
          run_id        INTEGER,
          source        TEXT NOT NULL,            -- trained / imported
          config        TEXT NOT NULL,            -- JSON adapter_config.json
          created_at    TEXT NOT NULL
        );

        CREATE TABLE runs (
          id            INTEGER PRIMARY KEY,
          name          TEXT NOT NULL,
          kind          TEXT NOT NULL,            -- trained / imported
          status        TEXT NOT NULL,            -- queued / running / paused / completed / failed / cancelled / interrupted
          config        TEXT NOT NULL,            -- JSON: the full run configuration
          dataset_id    INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
          model_id      INTEGER REFERENCES models(id) ON DELETE SET NULL,
          sweep_id      TEXT,
          summary       TEXT,                     -- JSON: trainer summary
          error         TEXT,
          created_at    TEXT NOT NULL,
          started_at    TEXT,
          finished_at   TEXT
        );
        CREATE INDEX runs_status ON runs(status);
        CREATE TABLE run_metrics (
          run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          step          INTEGER NOT NULL,
          epoch         REAL,
          loss          REAL,
          eval_loss     REAL,
          learning_rate REAL,
          grad_norm     REAL,
          tokens_per_s  REAL,
          memory_bytes  INTEGER,
          elapsed_s     REAL,
          recorded_at   TEXT NOT NULL
        );
        CREATE INDEX run_metrics_run ON run_metrics(run_id, step);
        CREATE TABLE checkpoints (
          id            INTEGER PRIMARY KEY,
          run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          step          INTEGER NOT NULL,
          path          TEXT NOT NULL,
          eval_loss     REAL,
          is_best       INTEGER NOT NULL DEFAULT 0,
          created_at    TEXT NOT NULL
        );

        CREATE TABLE jobs (
          id            TEXT PRIMARY KEY,
          kind          TEXT NOT NULL,            -- import / eda / train / eval / download / ...
          title         TEXT NOT NULL,
          status        TEXT NOT NULL,            -- running / completed / failed / cancelled / interrupted
          progress      REAL NOT NULL DEFAULT 0,
          message       TEXT,
          error         TEXT,
          result        TEXT,                     -- JSON
          created_at    TEXT NOT NULL,
          finished_at   TEXT
        );
        CREATE TABLE settings (
          key           TEXT PRIMARY KEY,
          value         TEXT NOT NULL             -- JSON
        );
      `);
    },
  },
  {
    version: 2,
    description: 'EDA results, evaluations, predictions, playground history',
    up(db) {
      db.exec(`
        CREATE TABLE eda_results (
          dataset_id    INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
          split         TEXT NOT NULL,            -- 'all' or a split name
          view          TEXT NOT NULL,            -- one of the twelve EDA views
          data          TEXT NOT NULL,            -- JSON
          computed_at   TEXT NOT NULL,
          PRIMARY KEY (dataset_id, split, view)
        );
        CREATE TABLE evaluations (
          id            INTEGER PRIMARY KEY,
          name          TEXT NOT NULL,
          run_id        INTEGER REFERENCES runs(id) ON DELETE SET NULL,
          model_id      INTEGER REFERENCES models(id) ON DELETE SET NULL,
          adapter_id    INTEGER REFERENCES adapters(id) ON DELETE SET NULL,
          dataset_id    INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
          split         TEXT,
          status        TEXT NOT NULL,
          config        TEXT NOT NULL,            -- JSON
          metrics       TEXT,                     -- JSON: corpus metrics, intervals, breakdowns
          error         TEXT,
          created_at    TEXT NOT NULL,
          finished_at   TEXT
        );
        CREATE TABLE predictions (
          evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
          ord           INTEGER NOT NULL,
          example_id    INTEGER REFERENCES examples(id) ON DELETE SET NULL,
          prompt        TEXT,
          context       TEXT,
          reference     TEXT NOT NULL,
          raw_output    TEXT NOT NULL,
          predicted_sql TEXT NOT NULL,
          complexity    TEXT,
          metrics       TEXT NOT NULL,            -- JSON: per-example metric values
          execution     TEXT,                     -- JSON: gold and predicted execution results
          tags          TEXT NOT NULL,            -- JSON array of error causes
          correct       INTEGER,                  -- execution match: 1 / 0 / NULL when not judged
          PRIMARY KEY (evaluation_id, ord)
        );
        CREATE TABLE playground_history (
          id            INTEGER PRIMARY KEY,
          schema_hash   TEXT NOT NULL,
          question      TEXT NOT NULL,
          sql           TEXT NOT NULL,
          created_at    TEXT NOT NULL
        );
        CREATE INDEX playground_history_schema ON playground_history(schema_hash, id);
      `);
    },
  },
];

export const LATEST_VERSION = migrations[migrations.length - 1].version;
