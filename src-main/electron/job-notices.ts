import type { EventBus } from '../api/server';
import type { Job } from '../api/contract';

/** Jobs long enough that a person switches away while they run. */
const NOTIFIED_KINDS = new Set(['train', 'evaluate', 'download']);
const TERMINAL = new Set<Job['status']>(['completed', 'failed', 'cancelled', 'interrupted']);

/** What the desktop shell does with a notice (Electron's Notification and dock badge; fakes in tests). */
export interface NoticeSink {
  isFocused(): boolean;
  notify(notice: { title: string; body: string; silent: boolean }): void;
  setBadge(count: number): void;
}

/**
 * Decides when a job's end is worth telling: once per training run, evaluation or
 * download that ends (any way), as a notification - silent when the window is in
 * front - and a badge counting those that ended while it was not. `focused()`
 * clears the badge. No Electron here, so the rules are tested on their own.
 */
export function watchJobEnds(bus: EventBus, sink: NoticeSink): { focused(): void } {
  let unseen = 0;
  const told = new Set<string>();
  const setBadge = (n: number) => {
    unseen = n;
    sink.setBadge(n);
  };
  bus.subscribe((event, payload) => {
    if (event !== 'job.updated') return;
    const job = payload as Job;
    if (!NOTIFIED_KINDS.has(job.kind) || !TERMINAL.has(job.status) || told.has(job.id)) return;
    told.add(job.id);
    const focused = sink.isFocused();
    if (!focused) setBadge(unseen + 1);
    sink.notify({ title: `${job.title}: ${job.status}`, body: job.error ?? job.message ?? '', silent: focused });
  });
  return { focused: () => setBadge(0) };
}
