import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Checkpoints of a run: one folder per saved step (`checkpoint-<step>`), written
 * into a temporary folder and renamed into place, so a crash mid-write never
 * leaves a half checkpoint that resume would trust. At most `saveTotalLimit` are
 * kept, the best one (by eval_loss) always among them.
 */
export const checkpointName = (step: number): string => `checkpoint-${step}`;

/** Write a file and flush it to disk before returning (checkpoints must survive a power cut). */
export function writeFileDurable(path: string, data: string | Uint8Array): void {
  writeFileSync(path, data);
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Fill a fresh folder via `write`, then move it to `runDir/checkpoint-<step>` in one rename. */
export async function writeCheckpoint(runDir: string, step: number, write: (dir: string) => Promise<void> | void): Promise<string> {
  mkdirSync(runDir, { recursive: true });
  const final = join(runDir, checkpointName(step));
  const temp = join(runDir, `.${checkpointName(step)}.tmp-${randomBytes(4).toString('hex')}`);
  mkdirSync(temp);
  try {
    await write(temp);
    if (existsSync(final)) rmSync(final, { recursive: true, force: true });
    renameSync(temp, final);
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
  return final;
}

/** Steps of the complete checkpoints in a run folder, ascending (temporary leftovers are ignored). */
export function listCheckpoints(runDir: string): number[] {
  if (!existsSync(runDir)) return [];
  return readdirSync(runDir)
    .map((name) => /^checkpoint-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** Delete leftovers of interrupted writes and checkpoints beyond the limit (newest and best kept). */
export function pruneCheckpoints(runDir: string, saveTotalLimit: number, bestStep: number | null): number[] {
  if (!existsSync(runDir)) return [];
  for (const name of readdirSync(runDir)) if (/^\.checkpoint-\d+\.tmp-/.test(name)) rmSync(join(runDir, name), { recursive: true, force: true });
  const steps = listCheckpoints(runDir);
  const keep = new Set(steps.slice(-saveTotalLimit));
  if (bestStep !== null && steps.includes(bestStep)) {
    keep.add(bestStep);
    // the best one counts towards the limit: drop the oldest other one instead
    if (keep.size > saveTotalLimit) keep.delete([...keep].filter((s) => s !== bestStep).sort((a, b) => a - b)[0]);
  }
  const removed = steps.filter((s) => !keep.has(s));
  for (const step of removed) rmSync(join(runDir, checkpointName(step)), { recursive: true, force: true });
  return removed;
}
