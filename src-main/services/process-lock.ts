import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Which processes have the data folder open. The app, `sqlora` commands and
 * `sqlora serve` may share one store; only when no other live process has it open
 * may "running" rows be declared interrupted by a crash - otherwise a second
 * process would mark the first one's training run as crashed.
 */
const PREFIX = '.open-by-';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Register this process; returns whether another live process holds the folder, and a release function. */
export function claimDataDir(dataDir: string): { othersAlive: boolean; release(): void } {
  let othersAlive = false;
  for (const name of readdirSync(dataDir).filter((f) => f.startsWith(PREFIX))) {
    const pid = Number(name.slice(PREFIX.length));
    if (pid === process.pid) continue;
    if (Number.isInteger(pid) && alive(pid)) othersAlive = true;
    else rmSync(join(dataDir, name), { force: true });
  }
  const mine = join(dataDir, `${PREFIX}${process.pid}`);
  writeFileSync(mine, String(process.pid));
  const release = () => rmSync(mine, { force: true });
  process.once('exit', release);
  return { othersAlive, release };
}
