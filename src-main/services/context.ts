import type { Settings } from '../api/contract';
import type { EventBus } from '../api/server';
import type { EngineHost } from '../engine/host';
import type { JobManager } from '../jobs';
import type { Store } from '../store';

/** What every group of request handlers may use. */
export interface ServiceContext {
  store: Store;
  bus: EventBus;
  jobs: JobManager;
  engine: EngineHost;
  dataDir: string;
  settings(): Settings;
}
