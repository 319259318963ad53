#!/usr/bin/env node
// `npm start`: build, make sure better-sqlite3 exists for Electron's ABI, launch the app.
//
// Electron's Node ABI differs from the system Node's that `npm ci` compiled
// better-sqlite3 for (and that the CLI and tests use). Rather than rebuilding it in
// place - which would break `npm test` - we build a second copy for Electron once,
// under node_modules/.sqlora-electron/, and point the app at it. That step needs
// the internet (Electron headers) and Node >= 22.12 (@electron/rebuild); so does
// Electron's own first launch, which downloads its binary.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const run = (cmd, args, env = {}) => {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(`npm start needs Node >= 22.12 (Electron 45's tooling); this is Node ${process.versions.node}.\n` +
    'The CLI and tests work on Node 20: try `npx sqlora serve` and open the printed URL in a browser.');
  process.exit(1);
}

run(process.execPath, [require.resolve('electron-vite/bin/electron-vite.js'), 'build']);

const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
const nativeRoot = join(root, 'node_modules', '.sqlora-electron', electronVersion);
const moduleDir = join(nativeRoot, 'node_modules', 'better-sqlite3');
const binding = join(moduleDir, 'build', 'Release', 'better_sqlite3.node');
if (!existsSync(binding)) {
  console.log(`Building better-sqlite3 for Electron ${electronVersion} (once)...`);
  mkdirSync(dirname(moduleDir), { recursive: true });
  writeFileSync(join(nativeRoot, 'package.json'), JSON.stringify({ name: 'sqlora-electron-native', private: true, dependencies: { 'better-sqlite3': '*' } }));
  cpSync(dirname(require.resolve('better-sqlite3/package.json')), moduleDir, { recursive: true, filter: (src) => !src.includes(`${join('better-sqlite3', 'build')}`) });
  const { rebuild } = await import('@electron/rebuild');
  await rebuild({ buildPath: nativeRoot, electronVersion, onlyModules: ['better-sqlite3'], force: true });
}

const electronBinary = require('electron');
run(electronBinary, ['.'], { SQLORA_SQLITE_BINDING: binding });
