import { describe, expect, it } from 'vitest';
import type { Job } from '../../src-main/api/contract';
import { EventBus } from '../../src-main/api/server';
import { watchJobEnds } from '../../src-main/electron/job-notices';

/** The desktop app's "it is done" notices: which job ends are told, how loudly, and the dock badge. */
function setup() {
  const bus = new EventBus();
  const log = { notices: [] as { title: string; body: string; silent: boolean }[], badges: [] as number[], focused: false };
  const watcher = watchJobEnds(bus, { isFocused: () => log.focused, notify: (n) => log.notices.push(n), setBadge: (n) => log.badges.push(n) });
  const job = (id: string, kind: string, status: Job['status'], extra: Partial<Job> = {}): void =>
    bus.emit('job.updated', { id, kind, title: `${kind} ${id}`, status, progress: 1, message: null, error: null, result: null, createdAt: '2026-11-25T00:00:00.000Z', finishedAt: null, ...extra });
  return { log, watcher, job };
}

describe('job end notices', () => {
  it('tells each finished run, evaluation or download once, and counts them on the badge while the window is away', () => {
    const { log, watcher, job } = setup();
    job('1', 'train', 'running');
    job('2', 'import', 'completed');
    job('1', 'train', 'completed', { message: 'best eval_loss 0.41' });
    job('1', 'train', 'completed');
    job('3', 'evaluate', 'failed', { error: 'the model folder has no tokenizer.json', message: 'generated 3 of 6' });
    expect(log.notices).toEqual([
      { title: 'train 1: completed', body: 'best eval_loss 0.41', silent: false },
      { title: 'evaluate 3: failed', body: 'the model folder has no tokenizer.json', silent: false },
    ]);
    expect(log.badges).toEqual([1, 2]);
    watcher.focused();
    expect(log.badges.at(-1)).toBe(0);
  });

  it('is silent and leaves the badge alone when the window is in front', () => {
    const { log, job } = setup();
    log.focused = true;
    job('4', 'download', 'cancelled');
    job('5', 'train', 'interrupted');
    expect(log.notices.map((n) => [n.title, n.silent])).toEqual([
      ['download 4: cancelled', true],
      ['train 5: interrupted', true],
    ]);
    expect(log.badges).toEqual([]);
  });
});
