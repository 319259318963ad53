import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The Hugging Face token, found where Python's tools look, in the same order the
 * app and the CLI use: the app's own setting (stored encrypted by Electron's
 * safeStorage), $HF_TOKEN, then the file `huggingface-cli login` writes. The token
 * never appears in logs, job messages, errors or the store in plain text.
 */
export function hfHome(): string {
  return process.env.HF_HOME ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface');
}

export function resolveToken(fromSettings: string | null): { token: string | null; source: 'settings' | 'HF_TOKEN' | 'token file' | null } {
  if (fromSettings) return { token: fromSettings, source: 'settings' };
  if (process.env.HF_TOKEN) return { token: process.env.HF_TOKEN.trim(), source: 'HF_TOKEN' };
  const file = process.env.HF_TOKEN_PATH ?? join(hfHome(), 'token');
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token) return { token, source: 'token file' };
  }
  return { token: null, source: null };
}

/** Replace every occurrence of the token in a text meant for a person or a log. */
export function redact(text: string, token: string | null): string {
  return token ? text.split(token).join('hf_***') : text;
}
