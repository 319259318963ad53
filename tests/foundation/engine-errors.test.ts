import { describe, expect, it } from 'vitest';
import { describeEngineError } from '../../src-main/engine/errors';

/** Engine failures a person can act on: out of memory and a lost GPU are said plainly, with the original kept. */
describe('engine error messages', () => {
  it('rewords out-of-memory from wasm, V8 and WebGPU, naming the operation and what to change', () => {
    for (const raw of ['Aborted(OOM). Build with -sASSERTIONS for more info.', 'RangeError: Array buffer allocation failed', 'Cannot enlarge memory arrays to size 4294967296 bytes', 'GPUOutOfMemoryError: Out of memory']) {
      const message = describeEngineError('train', new Error(raw));
      expect(message).toMatch(/^Out of memory while running train\. Lower the batch size, the max length or the LoRA rank, or choose a smaller model\./);
      expect(message).toContain(raw);
    }
  });

  it('says a lost GPU is lost and that the next request starts afresh', () => {
    expect(describeEngineError('generate', new Error('Device was lost: reason destroyed'))).toMatch(/^The GPU was lost while running generate .*next request starts a fresh engine\. \(Device was lost: reason destroyed\)$/);
  });

  it('leaves every other message as it was', () => {
    expect(describeEngineError('train', new Error('The training split has no examples.'))).toBe('The training split has no examples.');
    expect(describeEngineError('train', 'plain text')).toBe('plain text');
  });
});
