/**
 * The app's screens, in sidebar order (Cmd/Ctrl+1..7), shared by the renderer's
 * sidebar and the desktop app's View menu so the two cannot drift apart.
 */
export const SCREENS = ['datasets', 'train', 'runs', 'compare', 'evaluate', 'playground', 'models'] as const;
export type Screen = (typeof SCREENS)[number] | 'settings';

export const SCREEN_TITLES: Record<Screen, string> = {
  datasets: 'Datasets',
  train: 'Train',
  runs: 'Runs',
  compare: 'Compare',
  evaluate: 'Evaluate',
  playground: 'Playground',
  models: 'Models',
  settings: 'Settings',
};
