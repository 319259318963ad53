import type { EngineStatus, Job, Settings } from '@api/contract';
import type { Screen } from '@api/screens';
import { api } from './api';

/**
 * State shared by every screen: which screen is open, the settings, the engine's
 * status, the jobs in flight, the embedded defaults, and the last error to show.
 * Kept current by the backend's events, so every window and tab agrees.
 */
export { SCREENS, SCREEN_TITLES, type Screen } from '@api/screens';

const GUIDE_HIDDEN = 'sqlora.welcome.dismissed';

export const app = $state({
  screen: 'datasets' as Screen,
  settings: null as Settings | null,
  engine: null as EngineStatus | null,
  storePath: '' as string,
  jobs: [] as Job[],
  defaults: { modelPath: null as string | null, datasetId: null as number | null },
  error: null as string | null,
  /** Files dropped on the window, waiting for the Datasets screen to import them. */
  droppedFiles: [] as File[],
  /** Bumped when something other screens list has changed (a job finished). */
  revision: 0,
  /** Set by the first-run guide: the Train screen opens with the quick recipe and the 4/8/16 sweep. */
  trainIntent: null as 'quick-sweep' | null,
  /** The first-run guide is showing: until dismissed, and again when asked for (sidebar, Help menu). */
  guide: localStorage.getItem(GUIDE_HIDDEN) !== '1',
  /** The theme in effect (settings or the system's); charts and editors recolour on change. */
  theme: 'light' as 'light' | 'dark',
});

/** Open a screen and move focus to its heading, so keyboard and screen-reader users land there. */
export function go(screen: Screen): void {
  app.screen = screen;
  queueMicrotask(() => document.querySelector<HTMLElement>('main h1')?.focus());
}

/** Show or hide the first-run guide; hiding is remembered across restarts. */
export function setGuide(show: boolean): void {
  app.guide = show;
  if (show) localStorage.removeItem(GUIDE_HIDDEN);
  else localStorage.setItem(GUIDE_HIDDEN, '1');
}

export function showError(error: unknown): void {
  app.error = error instanceof Error ? error.message : String(error);
}

/** Run an API call, showing its error instead of throwing. */
export async function attempt<T>(work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    showError(error);
    return undefined;
  }
}

export async function startState(): Promise<void> {
  api.on('job.updated', (job) => {
    const i = app.jobs.findIndex((j) => j.id === job.id);
    if (i >= 0) app.jobs[i] = job;
    else app.jobs.unshift(job);
    if (job.status !== 'running') app.revision += 1;
  });
  api.on('engine.status', (status) => (app.engine = status));
  await attempt(async () => {
    [app.settings, app.engine, app.jobs] = await Promise.all([api.call('settings.get', {}), api.call('engine.status', {}), api.call('jobs.list', {})]);
    app.storePath = (await api.call('app.info', {})).store.path;
    const defaults = await api.call('app.defaults', {});
    app.defaults = { modelPath: defaults.modelPath, datasetId: defaults.datasetId };
    if (defaults.importJobId) {
      // The default dataset is being imported on this first start: pick it up when done.
      const off = api.on('job.updated', async (job) => {
        if (job.id !== defaults.importJobId || job.status === 'running') return;
        off();
        const again = await api.call('app.defaults', {});
        app.defaults = { modelPath: again.modelPath, datasetId: again.datasetId };
      });
    }
  });
}

export function applyTheme(theme: Settings['theme'] | undefined): void {
  const dark = theme === 'dark' || (theme !== 'light' && matchMedia('(prefers-color-scheme: dark)').matches);
  app.theme = dark ? 'dark' : 'light';
  document.documentElement.dataset.theme = app.theme;
}
