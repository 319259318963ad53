import { describeZodError } from '../api/contract';
import { type OpContext, operations } from './operations';
import { engineOps, type FromEngine, ToEngine, type EngineOp } from './protocol';
import { describeEngineError } from './errors';

/**
 * Entry of the engine process. It holds the model and does all tensor work, so a
 * crash or out-of-memory here cannot take the app down. Under Electron it is a
 * utilityProcess (messages on process.parentPort); under the CLI and tests a Node
 * child process (process.send / process.on('message')).
 */
interface Port {
  post(message: FromEngine): void;
  onMessage(listener: (message: unknown) => void): void;
}

function connect(): Port {
  const parentPort = (process as unknown as { parentPort?: { postMessage(m: unknown): void; on(e: 'message', l: (ev: { data: unknown }) => void): void } }).parentPort;
  if (parentPort) {
    return { post: (m) => parentPort.postMessage(m), onMessage: (l) => parentPort.on('message', (ev) => l(ev.data)) };
  }
  if (!process.send) throw new Error('The engine process must be started by SQLoRA Workbench (no IPC channel).');
  return { post: (m) => process.send!(m), onMessage: (l) => process.on('message', l) };
}

const port = connect();
const inFlight = new Map<number, AbortController>();
const pauseRequested = new Set<number>();

port.onMessage(async (raw) => {
  const parsed = ToEngine.safeParse(raw);
  if (!parsed.success) {
    port.post({ kind: 'log', level: 'error', message: `Malformed message to engine: ${describeZodError(parsed.error)}` });
    return;
  }
  const message = parsed.data;
  if (message.kind === 'cancel') {
    inFlight.get(message.id)?.abort();
    return;
  }
  if (message.kind === 'pause') {
    if (inFlight.has(message.id)) pauseRequested.add(message.id);
    return;
  }
  const { id, op } = message;
  if (!Object.hasOwn(engineOps, op)) {
    port.post({ kind: 'error', id, message: `Unknown engine operation "${op}".` });
    return;
  }
  const spec = engineOps[op as EngineOp];
  const payload = spec.payload.safeParse(message.payload);
  if (!payload.success) {
    port.post({ kind: 'error', id, message: `Invalid payload for ${op}: ${describeZodError(payload.error)}` });
    return;
  }
  const controller = new AbortController();
  inFlight.set(id, controller);
  try {
    const handler = operations[op as EngineOp] as (p: unknown, ctx: OpContext) => Promise<unknown>;
    const result = await handler(payload.data, {
      signal: controller.signal,
      pauseRequested: () => pauseRequested.has(id),
      emit: (event) => port.post({ kind: 'event', id, event }),
    });
    port.post({ kind: 'result', id, result });
  } catch (error) {
    const { message, code } = describeEngineError(op, error);
    port.post({ kind: 'error', id, message, ...(code ? { code } : {}), cancelled: controller.signal.aborted });
  } finally {
    inFlight.delete(id);
    pauseRequested.delete(id);
  }
});

process.on('unhandledRejection', (reason) => {
  port.post({ kind: 'log', level: 'error', message: `Unhandled rejection in engine: ${String(reason)}` });
});
