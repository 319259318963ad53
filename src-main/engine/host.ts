import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApiError, type BackendName, type EngineStatus } from '../api/contract';
import type { EventBus } from '../api/server';
import { type EngineOp, engineOps, FromEngine, type OpPayload, type OpResult, type ToEngine } from './protocol';

/** The bundled engine beside this module when it is itself bundled (the app), else the TypeScript source (CLI, tests). */
function defaultEngineEntry(): string {
  const built = fileURLToPath(new URL('./engine.js', import.meta.url));
  return existsSync(built) ? built : fileURLToPath(new URL('./process.ts', import.meta.url));
}

/** A started engine process, whatever started it (utilityProcess or child_process). */
export interface EngineChannel {
  readonly pid: number | null;
  send(message: ToEngine): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}
export type EngineSpawner = () => EngineChannel;

/** Under the CLI and tests: a Node child process running `entry` (src-main/engine/process.ts through tsx unless bundled). */
export function spawnNodeEngine(entry = defaultEngineEntry()): EngineChannel {
  const child = fork(entry, [], {
    execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    get pid() {
      return child.pid ?? null;
    },
    send: (message) => void (child.connected && child.send(message)),
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => void child.on('exit', (code, signal) => listener(code, signal)),
    kill: () => void child.kill('SIGKILL'),
  };
}

export interface RequestOptions {
  /** Abort to cancel the request. */
  signal?: AbortSignal;
  /** Abort to ask a long request to pause at its next safe point (it then resolves normally). */
  pauseSignal?: AbortSignal;
  /** Progress and streamed output. */
  onEvent?: (event: unknown) => void;
}

interface Pending {
  op: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
  onEvent?: (event: unknown) => void;
}

/**
 * The main process's handle on the engine process: starts it on first use, sends
 * typed requests, and turns the process dying into an `engine_crashed` error for
 * every request in flight - the app itself keeps running, and the next request
 * starts a fresh engine.
 */
export class EngineHost {
  private channel: EngineChannel | null = null;
  private starting: Promise<void> | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private status: EngineStatus = { state: 'stopped', pid: null, backend: null, activity: null, lastError: null };

  constructor(
    private readonly spawn: EngineSpawner,
    private readonly bus: EventBus,
    private readonly backendPreference: () => BackendName | 'auto',
  ) {}

  getStatus(): EngineStatus {
    return { ...this.status };
  }

  /** Start the engine if it is not running; resolves once its backend is ready. */
  ensureStarted(): Promise<void> {
    if (this.channel && this.status.state !== 'crashed' && !this.starting) return Promise.resolve();
    if (this.starting) return this.starting;
    this.starting = this.start().finally(() => (this.starting = null));
    return this.starting;
  }

  private async start(): Promise<void> {
    const channel = this.spawn();
    this.channel = channel;
    this.setStatus({ state: 'starting', pid: channel.pid, activity: null });
    channel.onMessage((raw) => this.receive(raw));
    channel.onExit((code, signal) => this.exited(channel, code, signal));
    try {
      const backend = await this.send('init', { backend: this.backendPreference() });
      this.setStatus({ state: 'ready', backend, lastError: null });
    } catch (error) {
      this.stop();
      throw error;
    }
  }

  async request<O extends EngineOp>(
    op: O,
    payload: OpPayload<O>,
    options: RequestOptions & { activity?: string } = {},
  ): Promise<OpResult<O>> {
    await this.ensureStarted();
    this.setStatus({ state: 'busy', activity: options.activity ?? op });
    try {
      return await this.send(op, payload, options);
    } finally {
      if (this.status.state === 'busy' && this.pending.size === 0) this.setStatus({ state: 'ready', activity: null });
    }
  }

  private send<O extends EngineOp>(op: O, payload: OpPayload<O>, options: RequestOptions = {}): Promise<OpResult<O>> {
    const channel = this.channel;
    if (!channel) return Promise.reject(new ApiError('engine_crashed', 'The engine process is not running.'));
    // Cancelled while the engine was starting: the abort event has fired already, so nothing would send it.
    if (options.signal?.aborted) return Promise.reject(new ApiError('cancelled', `${op} was cancelled before it started.`));
    const id = this.nextId++;
    return new Promise<OpResult<O>>((resolve, reject) => {
      const onAbort = () => channel.send({ kind: 'cancel', id });
      const onPause = () => channel.send({ kind: 'pause', id });
      options.signal?.addEventListener('abort', onAbort, { once: true });
      options.pauseSignal?.addEventListener('abort', onPause, { once: true });
      this.pending.set(id, {
        op,
        onEvent: options.onEvent,
        resolve: (value) => {
          options.signal?.removeEventListener('abort', onAbort);
          options.pauseSignal?.removeEventListener('abort', onPause);
          const checked = engineOps[op].result.safeParse(value);
          if (checked.success) resolve(checked.data as OpResult<O>);
          else reject(new ApiError('failed', `The engine returned a malformed ${op} result.`));
        },
        reject: (error) => {
          options.signal?.removeEventListener('abort', onAbort);
          options.pauseSignal?.removeEventListener('abort', onPause);
          reject(error);
        },
      });
      channel.send({ kind: 'request', id, op, payload });
      if (options.pauseSignal?.aborted) onPause();
    });
  }

  private receive(raw: unknown): void {
    const parsed = FromEngine.safeParse(raw);
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.kind === 'log') {
      (message.level === 'error' ? console.error : console.warn)(`[engine] ${message.message}`);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if (message.kind === 'event') return pending.onEvent?.(message.event);
    this.pending.delete(message.id);
    if (message.kind === 'result') return pending.resolve(message.result);
    pending.reject(new ApiError(message.cancelled ? 'cancelled' : (message.code ?? 'failed'), message.message));
    // Out of memory or a lost GPU: the engine's heap or device cannot be trusted, so the next request gets a fresh one.
    if (message.code) this.discard({ state: 'crashed', pid: null, activity: null, lastError: message.message }, new ApiError('engine_crashed', `The engine was replaced after: ${message.message}`));
  }

  private exited(channel: EngineChannel, code: number | null, signal: string | null): void {
    if (channel !== this.channel) return;
    this.channel = null;
    const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
    const inFlight = [...this.pending.values()];
    this.pending.clear();
    const expected = this.status.state === 'stopped';
    const reason = inFlight.length
      ? `The engine process ${how} while running ${inFlight.map((p) => p.op).join(', ')}. A likely cause is running out of memory; the app is still running and the next request starts a fresh engine.`
      : `The engine process ${how}.`;
    if (!expected) this.setStatus({ state: 'crashed', pid: null, activity: null, lastError: reason });
    for (const pending of inFlight) pending.reject(new ApiError('engine_crashed', reason));
  }

  /** Kill the engine process (requests in flight fail with engine_crashed). */
  kill(): void {
    this.channel?.kill();
  }

  /** Stop on purpose (restart, quit): not reported as a crash. */
  stop(): void {
    this.discard({ state: 'stopped', pid: null, activity: null }, new ApiError('cancelled', 'The engine was stopped.'));
  }

  /** Kill the engine (its exit is then not reported as a crash), failing the requests in flight with `error`. */
  private discard(change: Partial<EngineStatus>, error: ApiError): void {
    const channel = this.channel;
    this.setStatus(change);
    if (!channel) return;
    const inFlight = [...this.pending.values()];
    this.pending.clear();
    this.channel = null;
    channel.kill();
    for (const pending of inFlight) pending.reject(error);
  }

  async restart(): Promise<EngineStatus> {
    this.stop();
    await this.ensureStarted();
    return this.getStatus();
  }

  private setStatus(change: Partial<EngineStatus>): void {
    this.status = { ...this.status, ...change };
    this.bus.emit('engine.status', this.getStatus());
  }
}
