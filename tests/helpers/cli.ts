import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bin = resolve(import.meta.dirname, '../../bin/sqlora.mjs');

/** Run the real `sqlora` command in a child process; never throws, returns the exit code and output. */
export const sqlora = (args: string[], timeout = 120_000): Promise<{ code: number; stdout: string; stderr: string }> =>
  run(process.execPath, [bin, ...args], { timeout, maxBuffer: 64 << 20 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
