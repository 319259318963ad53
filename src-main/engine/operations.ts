import { type EngineOp, type OpPayload, type OpResult } from './protocol';
import { benchMatmul, initBackend } from './backend';
import type { BackendName } from '../api/contract';

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

/** The engine process's operations: the model work the main process asks for. */
export const operations: OpHandlers = {
  async init({ backend }) {
    const info = await initBackend(backend);
    activeBackend = info.chosen;
    return info;
  },
  async benchMatmul({ size, repeats }) {
    if (!activeBackend) throw new Error('The engine has not been initialised.');
    const { gflops, ms } = await benchMatmul(size, repeats);
    return { backend: activeBackend, gflops, ms };
  },
  async train() {
    throw new Error('Training needs the Gemma 3 engine, which is not built into this version yet.');
  },
};
