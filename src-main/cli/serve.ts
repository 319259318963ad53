import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startHttpServer } from '../api/http';
import { spawnNodeEngine } from '../engine/host';
import { createBackend } from '../services';
import { defaultDataDir, rendererDir } from './paths';
import { type CommandSpec, UsageError } from './command';

export const serveCommand: CommandSpec = {
  name: 'serve',
  summary: 'Serve the workbench on 127.0.0.1 (HTTP + WebSocket) for a browser',
  usage: 'sqlora serve [--port N] [--data-dir DIR]',
  options: { port: { type: 'string' }, 'data-dir': { type: 'string' } },
  async run({ values }) {
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer 0-65535, got "${values.port}"`);
    const dataDir = (values['data-dir'] as string | undefined) ?? defaultDataDir();
    const backend = createBackend({ dataDir, transport: 'http', spawnEngine: spawnNodeEngine });
    const haveRenderer = existsSync(join(rendererDir, 'index.html'));
    const server = await startHttpServer({
      handlers: backend.handlers,
      bus: backend.bus,
      port,
      staticDir: haveRenderer ? rendererDir : null,
      uploadDir: join(backend.dataDir, 'uploads'),
    });
    if (!haveRenderer) console.error(`Renderer not built (${rendererDir}): the API is served, the UI is not. Run \`npm run build\`.`);
    // The one place the token is printed; tests read this line.
    console.log(`SQLoRA Workbench serving ${backend.dataDir}`);
    console.log(`Open ${server.openUrl}`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
    await backend.close();
    return 0;
  },
};
