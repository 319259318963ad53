import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../api/contract';

/**
 * The Hugging Face token, found where Python's tools look, in the same order the
 * app and the CLI use: the app's own setting (stored encrypted by Electron's
 * safeStorage), $HF_TOKEN, then the file `huggingface-cli login` writes. The token
 * never appears in logs, job messages, errors or the store in plain text.
 */
export function hfHome(): string {
  return process.env.HF_HOME ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface');
}

export type TokenSource = 'settings' | 'HF_TOKEN' | 'token file';

export function resolveToken(fromSettings: string | null): { token: string | null; source: TokenSource | null } {
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

/**
 * Encryption of the token at rest. In the app it is Electron's safeStorage (the OS
 * keychain); the CLI and the tests have none, so there the setting can be neither
 * written nor read and the lookup goes on to $HF_TOKEN and the token file.
 */
export interface SecretCipher {
  encrypt(plain: string): Buffer;
  decrypt(data: Buffer): string;
}

export interface TokenStatus {
  /** Where the token in use comes from; never the token. */
  source: TokenSource | null;
  /** Whether a token can be saved here (an OS keychain is available). */
  canStore: boolean;
  /** A token is saved in the app's settings (readable or not). */
  stored: boolean;
  /** It is saved but cannot be decrypted here (the CLI, or a changed keychain), so it is skipped. */
  storedUnreadable: boolean;
}

/**
 * The app's token setting: a file of its own beside the store, holding only the
 * ciphertext, so the token is in neither the store nor any plain-text file.
 */
export class TokenSetting {
  constructor(
    private readonly file: string,
    private readonly cipher: SecretCipher | null,
  ) {}

  save(token: string): void {
    if (!this.cipher) throw new ApiError('failed', 'No OS keychain is available here, so the token is not saved (it is never written in plain text). Set $HF_TOKEN or run huggingface-cli login instead.');
    const tmp = `${this.file}.tmp-${process.pid}`;
    writeFileSync(tmp, this.cipher.encrypt(token.trim()), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  clear(): void {
    rmSync(this.file, { force: true });
  }

  /** The saved token, or null when there is none or it cannot be decrypted here. */
  read(): string | null {
    if (!this.cipher || !existsSync(this.file)) return null;
    try {
      return this.cipher.decrypt(readFileSync(this.file)).trim() || null;
    } catch {
      return null; // a keychain that changed: the next sources still apply
    }
  }

  /** The token to use, in the shared order. */
  resolve(): ReturnType<typeof resolveToken> {
    return resolveToken(this.read());
  }

  status(): TokenStatus {
    const saved = this.read();
    const stored = existsSync(this.file);
    return { source: resolveToken(saved).source, canStore: this.cipher !== null, stored, storedUnreadable: stored && saved === null };
  }
}
