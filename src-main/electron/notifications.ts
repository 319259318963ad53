import { app, type BrowserWindow, Notification } from 'electron';
import type { Job } from '../api/contract';
import type { Backend } from '../services';

/** Jobs long enough that a person switches away while they run. */
const NOTIFIED_KINDS = new Set(['train', 'evaluate', 'download']);
const TERMINAL = new Set<Job['status']>(['completed', 'failed', 'cancelled', 'interrupted']);

/**
 * A system notification when a training run, evaluation or download ends, and a
 * dock badge counting those that ended while the window was not in front (cleared
 * when it is focused again) - the macOS way of saying "come back, it is done".
 */
export function notifyWhenJobsEnd(bus: Backend['bus'], window: () => BrowserWindow | null): void {
  let unseen = 0;
  const told = new Set<string>();
  const setBadge = (n: number) => {
    unseen = n;
    app.setBadgeCount(n);
  };
  app.on('browser-window-focus', () => setBadge(0));
  bus.subscribe((event, payload) => {
    if (event !== 'job.updated') return;
    const job = payload as Job;
    if (!NOTIFIED_KINDS.has(job.kind) || !TERMINAL.has(job.status) || told.has(job.id)) return;
    told.add(job.id);
    const focused = window()?.isFocused() ?? false;
    if (!focused) setBadge(unseen + 1);
    if (!Notification.isSupported()) return;
    const note = new Notification({ title: `${job.title}: ${job.status}`, body: job.error ?? job.message ?? '', silent: focused });
    note.on('click', () => window()?.show());
    note.show();
  });
}
