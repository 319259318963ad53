import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ApiError, type AppInfo, defaultSettings, type Settings } from '../api/contract';
import { EventBus, type Handlers } from '../api/server';
import { EngineHost, type EngineSpawner } from '../engine/host';
import { JobManager } from '../jobs';
import { openStore, type Store } from '../store';
import type { ServiceContext } from './context';
import { datasetHandlers } from './datasets';
import { exportHandlers } from './export';
import { evaluationHandlers } from './evaluation';
import type { SecretCipher } from '../models';
import { modelHandlers } from './models';
import { claimDataDir } from './process-lock';
import { runHandlers } from './runs';
import { workbenchHandlers } from './workbench';
import { trainingHandlers } from './training';
import { APP_NAME, APP_VERSION } from './version';

/**
 * The backend behind both transports: it owns the experiment store, the job
 * manager and the engine process, and implements every request of the contract.
 * The Electron main process, `sqlora serve` and the tests all build one of these.
 */
export interface BackendOptions {
  dataDir: string;
  transport: AppInfo['transport'];
  spawnEngine: EngineSpawner;
  electronVersion?: string | null;
  /** better-sqlite3 addon built for the running runtime's ABI (Electron's differs from Node's). */
  sqliteBinding?: string;
  /** Encrypts the Hugging Face token setting: Electron's safeStorage in the app; without one (CLI, tests) it is never saved. */
  secrets?: SecretCipher | null;
}

export interface Backend {
  readonly handlers: Handlers;
  readonly bus: EventBus;
  readonly store: Store;
  readonly jobs: JobManager;
  readonly engine: EngineHost;
  readonly dataDir: string;
  close(): Promise<void>;
}

export function createBackend(options: BackendOptions): Backend {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const claim = claimDataDir(dataDir);
  const store = openStore(join(dataDir, 'store.db'), { nativeBinding: options.sqliteBinding, recover: !claim.othersAlive });
  const bus = new EventBus();
  const jobs = new JobManager(store, bus);
  const settings = (): Settings => ({ ...defaultSettings, ...(store.getSetting<Partial<Settings>>('settings') ?? {}) });
  const engine = new EngineHost(options.spawnEngine, bus, () => settings().backend);
  const context: ServiceContext = { store, bus, jobs, engine, dataDir, settings };

  const handlers: Handlers = {
    async 'app.info'() {
      return {
        name: APP_NAME,
        version: APP_VERSION,
        transport: options.transport,
        platform: `${process.platform}-${process.arch}`,
        versions: { node: process.versions.node, electron: options.electronVersion ?? null },
        dataDir,
        store: { path: store.path, schemaVersion: store.version(), recoveredRuns: store.recovered.runs },
      };
    },
    async 'settings.get'() {
      return settings();
    },
    async 'settings.set'(change) {
      const next = { ...settings(), ...change };
      store.setSetting('settings', next);
      return next;
    },
    async 'engine.status'() {
      return engine.getStatus();
    },
    async 'engine.restart'() {
      return engine.restart();
    },
    async 'engine.benchMatmul'(input) {
      return engine.request('benchMatmul', input, { activity: `matmul benchmark ${input.size}³` });
    },
    async 'generate.sql'(input) {
      const { outputs, tokensPerS } = await engine.request(
        'generate',
        {
          modelPath: input.modelPath,
          adapterPath: input.adapterPath,
          items: [{ question: input.question, context: input.context }],
          maxNewTokens: input.maxNewTokens,
          temperature: input.temperature,
          topP: input.topP,
          seed: input.seed,
          batchSize: 1,
          stream: input.streamId !== undefined,
        },
        {
          activity: 'generating SQL',
          onEvent: (e) => {
            const { kind, text } = e as { kind: string; text?: string };
            if (input.streamId !== undefined && kind === 'token' && text !== undefined) bus.emit('generate.token', { streamId: input.streamId, text });
          },
        },
      );
      return { ...outputs[0], tokensPerS };
    },
    async 'jobs.list'() {
      return jobs.list();
    },
    async 'jobs.get'({ id }) {
      return jobs.get(id);
    },
    async 'jobs.cancel'({ id }) {
      jobs.get(id); // not_found for an unknown id
      return { cancelled: jobs.cancel(id) };
    },
    ...runHandlers(context),
    ...evaluationHandlers(context),
    ...workbenchHandlers(context),
    ...modelHandlers(context, { cipher: options.secrets ?? null }),
    ...trainingHandlers(context),
    ...datasetHandlers(context),
    ...exportHandlers(context),
  };

  return {
    handlers,
    bus,
    store,
    jobs,
    engine,
    dataDir,
    async close() {
      await jobs.shutdown();
      engine.stop();
      store.close();
      claim.release();
    },
  };
}

export { ApiError };
