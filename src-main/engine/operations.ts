import { type EngineOp, type OpPayload, type OpResult } from './protocol';
import { benchMatmul, initBackend } from './backend';
import type { BackendName } from '../api/contract';
import { generateSql, trainAdapter } from './model-session';

/** What an operation gets besides its payload. */
export interface OpContext {
  signal: AbortSignal;
  /** True once the caller asked this request to pause (stop at a safe point, keeping its state). */
  pauseRequested(): boolean;
  /** Stream progress or partial output back to the caller. */
  emit(event: unknown): void;
}

type OpHandlers = { [O in EngineOp]: (payload: OpPayload<O>, ctx: OpContext) => Promise<OpResult<O>> };

let activeBackend: BackendName | null = null;

function requireBackend(): BackendName {
  if (!activeBackend) throw new Error('The engine has not been initialised.');
  return activeBackend;
}

/** The engine process's operations: the model work the main process asks for. */
export const operations: OpHandlers = {
  async init({ backend }) {
    const info = await initBackend(backend);
    activeBackend = info.chosen;
    return info;
  },
  async benchMatmul({ size, repeats }) {
    const backend = requireBackend();
    const { gflops, ms } = await benchMatmul(size, repeats);
    return { backend, gflops, ms };
  },
  async train(payload, ctx) {
    return trainAdapter(payload, ctx, requireBackend());
  },
  async generate(payload, ctx) {
    return generateSql(payload, ctx, requireBackend());
  },
};
