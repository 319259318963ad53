import { describe, expect, it } from 'vitest';
import { describeEngineError } from '../../src-main/engine/errors';
import { tempBackend } from '../helpers/backend';

/** Engine failures a person can act on: out of memory and a lost GPU are said plainly and typed, with the original kept. */
describe('engine error messages', () => {
  it('rewords out-of-memory from wasm, V8 and WebGPU, naming the operation and what to change', () => {
    for (const raw of ['Aborted(OOM). Build with -sASSERTIONS for more info.', 'Aborted(). Build with -sASSERTIONS for more info.', 'RangeError: Array buffer allocation failed', 'Cannot enlarge memory arrays to size 4294967296 bytes', 'GPUOutOfMemoryError: Out of memory']) {
      const { code, message } = describeEngineError('train', new Error(raw));
      expect(code).toBe('out_of_memory');
      expect(message).toMatch(/^Out of memory while running train\. Lower the batch size, the max length or the LoRA rank, or choose a smaller model; the next request starts a fresh engine\./);
      expect(message).toContain(raw);
    }
  });

  it('says a lost GPU is lost and that the next request starts afresh', () => {
    expect(describeEngineError('generate', new Error('GPU device was lost (destroyed): gone'))).toEqual({
      code: 'gpu_lost',
      message: 'The GPU was lost while running generate (a driver reset, sleep, or another app taking it); the next request starts a fresh engine. (GPU device was lost (destroyed): gone)',
    });
  });

  it('leaves every other message as it was', () => {
    expect(describeEngineError('train', new Error('The training split has no examples.'))).toEqual({ code: null, message: 'The training split has no examples.' });
    expect(describeEngineError('train', 'plain text')).toEqual({ code: null, message: 'plain text' });
  });

  it('an out-of-memory in the engine process reaches the caller typed, and the next request gets a fresh engine', async () => {
    const backend = tempBackend();
    try {
      await backend.engine.ensureStarted();
      const pid = backend.engine.getStatus().pid;
      // A 70,000 x 70,000 float32 matrix (19.6 GB): V8 refuses the array at once, before allocating anything.
      const failure = backend.engine.request('benchMatmul', { size: 70_000, repeats: 1 });
      await expect(failure).rejects.toMatchObject({ code: 'out_of_memory', message: expect.stringMatching(/^Out of memory while running benchMatmul\. .*\(Invalid typed array length: 4900000000\)$/) });
      expect(backend.engine.getStatus()).toMatchObject({ state: 'crashed', pid: null, lastError: expect.stringMatching(/^Out of memory while running benchMatmul/) });

      await expect(backend.engine.request('benchMatmul', { size: 32, repeats: 1 })).resolves.toMatchObject({ gflops: expect.any(Number) });
      expect(backend.engine.getStatus()).toMatchObject({ state: 'ready', lastError: null });
      expect(backend.engine.getStatus().pid).not.toBe(pid);
    } finally {
      await backend.cleanup();
    }
  }, 60_000);
});
