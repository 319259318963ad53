// Loads the app's main bundle against the stand-in, calls the API as the renderer would, prints what it saw as JSON.
import { existsSync } from 'node:fs';
import { app } from './stand-in.mjs';

await import(process.argv[2]);
const state = globalThis.electronStandIn;
while (!state.handlers.has('sqlora:call')) await new Promise((r) => setTimeout(r, 20));
const call = (method, input) => state.handlers.get('sqlora:call')({}, { method, input });
const window = state.windows[0];
const report = {
  info: await call('app.info', {}),
  matmul: await call('engine.benchMatmul', { size: 64, repeats: 2 }),
  loaded: window?.loaded ?? null,
  loadedExists: Boolean(window?.loaded && existsSync(window.loaded)),
  preloadExists: existsSync(window?.options.webPreferences.preload ?? ''),
  menu: state.menu?.template.map((m) => m.label ?? m.role) ?? null,
};
console.log(JSON.stringify(report));
// The app closes its backend (and the engine process) before quitting.
app.emit('before-quit');
setTimeout(() => process.exit(0), 200);
