import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_NAME } from '../services/version';

/** The repository / install root (where package.json, resources/ and out/ live). */
export const appRoot = resolve(fileURLToPath(new URL('../../', import.meta.url)));

/** The built renderer served by `sqlora serve`. */
export const rendererDir = join(appRoot, 'out', 'renderer');

/**
 * The same folder Electron's app.getPath('userData') gives the app, so the CLI and
 * the window share one experiment store. $SQLORA_DATA_DIR overrides it.
 */
export function defaultDataDir(): string {
  if (process.env.SQLORA_DATA_DIR) return resolve(process.env.SQLORA_DATA_DIR);
  const home = homedir();
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', APP_NAME);
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_NAME);
  return join(process.env.XDG_CONFIG_HOME ?? join(home, '.config'), APP_NAME);
}
