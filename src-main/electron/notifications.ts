import { app, type BrowserWindow, Notification } from 'electron';
import type { Backend } from '../services';
import { watchJobEnds } from './job-notices';

/**
 * A system notification when a training run, evaluation or download ends, and a
 * dock badge counting those that ended while the window was not in front (cleared
 * when it is focused again) - the macOS way of saying "come back, it is done".
 * The rules are in job-notices.ts; this wires them to Electron.
 */
export function notifyWhenJobsEnd(bus: Backend['bus'], window: () => BrowserWindow | null): void {
  const watcher = watchJobEnds(bus, {
    isFocused: () => window()?.isFocused() ?? false,
    setBadge: (n) => app.setBadgeCount(n),
    notify: ({ title, body, silent }) => {
      if (!Notification.isSupported()) return;
      const note = new Notification({ title, body, silent });
      note.on('click', () => window()?.show());
      note.show();
    },
  });
  app.on('browser-window-focus', () => watcher.focused());
}
