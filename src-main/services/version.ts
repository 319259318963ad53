import { readFileSync } from 'node:fs';

// Read once from package.json so the CLI, the server and the app report the same version.
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; productName: string };

export const APP_NAME = pkg.productName;
export const APP_VERSION = pkg.version;
