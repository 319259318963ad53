import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statfsSync, statSync, symlinkSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { z } from 'zod';
import { repoFolder } from './hf-cache';
import { redact } from './hf-token';

/**
 * Downloading a model from the Hugging Face Hub into the standard cache layout
 * (so Python tools reuse it): the file list and LFS sha256 from the Hub API, the
 * config checked before any weights, the free space checked before any byte, each
 * file resumed with HTTP Range after a cut connection, verified by size and hash
 * (sha256 for LFS files, the git blob sha1 for the others), then linked into
 * snapshots/<commit>/.
 */
export const HUB_ENDPOINT = (): string => (process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/$/, '');

const Sibling = z.object({ rfilename: z.string(), size: z.number().optional(), blobId: z.string().optional(), lfs: z.object({ sha256: z.string(), size: z.number() }).optional() });
const ModelInfo = z.object({ id: z.string().optional(), sha: z.string(), gated: z.union([z.boolean(), z.string()]).optional(), siblings: z.array(Sibling) });

/** Files a Gemma 3 text model needs; everything else in a repo (GGUF, ONNX, images) is skipped. */
const WANTED = /^(config\.json|generation_config\.json|tokenizer\.json|tokenizer_config\.json|special_tokens_map\.json|model\.safetensors\.index\.json|[^/]*\.safetensors)$/;

export class HubError extends Error {
  constructor(
    message: string,
    readonly kind: 'unauthorized' | 'gated' | 'not_found' | 'network' | 'disk_full' | 'checksum' | 'not_gemma3' | 'http' | 'cancelled',
  ) {
    super(message);
    this.name = 'HubError';
  }
}

export interface DownloadProgress {
  file: string;
  bytesDone: number;
  bytesTotal: number;
  bytesPerS: number;
  etaS: number | null;
}

export interface DownloadOptions {
  id: string;
  revision?: string;
  token: string | null;
  cacheDir: string;
  endpoint?: string;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Attempts per file before giving up on a flaky connection. */
  retries?: number;
  /** Free bytes on the cache's disk; injectable so a full disk can be tested. */
  freeBytes?: (dir: string) => number;
}

const sizeText = (n: number) => `${(n / 1e9).toFixed(2)} GB (${n.toLocaleString('en-US')} bytes)`;

function diskFreeOf(options: DownloadOptions): number {
  if (options.freeBytes) return options.freeBytes(options.cacheDir);
  const s = statfsSync(options.cacheDir);
  return s.bavail * s.bsize;
}

async function hubFetch(url: string, options: DownloadOptions, headers: Record<string, string> = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { ...headers, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) }, signal: options.signal, redirect: 'follow' });
  } catch (error) {
    if (options.signal?.aborted) throw new HubError('Download cancelled.', 'cancelled');
    const code = (error as { cause?: { code?: string } }).cause?.code ?? '';
    throw new HubError(redact(`Cannot reach ${new URL(url).origin} (${code || (error as Error).message}). Check the network connection.`, options.token), 'network');
  }
  if (response.ok) return response;
  const body = redact(await response.text().catch(() => ''), options.token).slice(0, 300);
  if (response.status === 401) {
    // Without a token the Hub answers a gated repo's files with 401 and says so in x-error-code.
    if (!options.token && response.headers.get('x-error-code') === 'GatedRepo') {
      throw new HubError(`${options.id} is a gated model: it needs a Hugging Face token (401) and its licence accepted at ${HUB_ENDPOINT()}/${options.id}. Accept it there, then set a token in Settings, in $HF_TOKEN, or with huggingface-cli login.`, 'gated');
    }
    throw new HubError(
      options.token
        ? `The Hugging Face token was refused (401) for ${options.id}. Check it at https://huggingface.co/settings/tokens.`
        : `${options.id} needs a Hugging Face token (401). Set one in Settings, in $HF_TOKEN, or with huggingface-cli login.`,
      'unauthorized',
    );
  }
  if (response.status === 403) {
    throw new HubError(`${options.id} is a gated model and this account has not accepted its licence (403). Accept it at ${HUB_ENDPOINT()}/${options.id}, then try again.`, 'gated');
  }
  if (response.status === 404) throw new HubError(`No model ${options.id}${options.revision ? ` at revision ${options.revision}` : ''} on the Hub (404).`, 'not_found');
  throw new HubError(`The Hub answered ${response.status} for ${new URL(url).pathname}: ${body}`, 'http');
}

/** What the Hub says a file hashes to: sha256 for LFS files, git's blob id (sha1 of "blob SIZE\0" + content) for the rest. */
interface ExpectedHash {
  algorithm: 'sha256' | 'git-sha1';
  hex: string;
}

async function hashOf(path: string, algorithm: ExpectedHash['algorithm']): Promise<string> {
  const hash = createHash(algorithm === 'sha256' ? 'sha256' : 'sha1');
  if (algorithm === 'git-sha1') hash.update(`blob ${statSync(path).size}\0`);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Download (or resume) one file into blobs/<name>, verifying its size and hash. */
async function fetchBlob(url: string, blobPath: string, expect: { size: number | null; hash: ExpectedHash | null }, options: DownloadOptions, progress: (n: number) => void): Promise<void> {
  if (existsSync(blobPath)) return;
  const partial = `${blobPath}.incomplete`;
  const attempts = options.retries ?? 3;
  for (let attempt = 1; ; attempt++) {
    const have = existsSync(partial) ? statSync(partial).size : 0;
    try {
      const response = await hubFetch(url, options, have ? { range: `bytes=${have}-` } : {});
      // 206: the server continues where we stopped; 200: it sends everything again.
      const fd = openSync(partial, response.status === 206 ? 'a' : 'w');
      if (response.status !== 206 && have) progress(-have);
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          try {
            writeSync(fd, chunk);
          } catch (error) {
            // Something else filled the disk after the check at the start.
            if ((error as NodeJS.ErrnoException).code === 'ENOSPC') throw new HubError(`The disk is full while downloading ${url.split('/').pop()} of ${options.id} (${expect.size === null ? 'size unknown' : sizeText(expect.size)}, ${sizeText(diskFreeOf(options))} free in ${options.cacheDir}). Free some space and run the download again to resume.`, 'disk_full');
            throw error;
          }
          progress(chunk.byteLength);
        }
      } finally {
        closeSync(fd);
      }
      break;
    } catch (error) {
      if (error instanceof HubError && error.kind !== 'network') throw error;
      if (options.signal?.aborted) throw new HubError('Download cancelled.', 'cancelled');
      if (attempt >= attempts) throw error instanceof HubError ? error : new HubError(redact(`The connection broke while downloading ${url.split('/').pop()} (${(error as Error).message}); ${attempts} attempts failed. Run the download again to resume.`, options.token), 'network');
    }
  }
  const size = statSync(partial).size;
  if (expect.size !== null && size !== expect.size) {
    rmSync(partial, { force: true });
    throw new HubError(`${url.split('/').pop()} arrived with ${size} bytes, the Hub lists ${expect.size}; the partial file was removed, run the download again.`, 'checksum');
  }
  if (expect.hash) {
    const got = await hashOf(partial, expect.hash.algorithm);
    if (got !== expect.hash.hex) {
      rmSync(partial, { force: true });
      throw new HubError(`${url.split('/').pop()} is corrupted: ${expect.hash.algorithm} ${got}, the Hub lists ${expect.hash.hex}. The file was removed; run the download again.`, 'checksum');
    }
  }
  renameSync(partial, blobPath);
}

function link(snapshotFile: string, blobPath: string): void {
  mkdirSync(dirname(snapshotFile), { recursive: true });
  const target = relative(dirname(snapshotFile), blobPath);
  try {
    if (lstatSync(snapshotFile)) unlinkSync(snapshotFile);
  } catch {
    // not there yet
  }
  try {
    symlinkSync(target, snapshotFile);
  } catch {
    // Filesystems without symlinks (as huggingface_hub does): keep the file itself.
    renameSync(blobPath, snapshotFile);
  }
}

export interface DownloadResult {
  path: string;
  commit: string;
  files: string[];
  bytes: number;
}

export async function downloadModel(options: DownloadOptions): Promise<DownloadResult> {
  const endpoint = (options.endpoint ?? HUB_ENDPOINT()).replace(/\/$/, '');
  const revision = options.revision ?? 'main';
  const infoResponse = await hubFetch(`${endpoint}/api/models/${options.id}/revision/${encodeURIComponent(revision)}?blobs=true`, options);
  const parsed = ModelInfo.safeParse(await infoResponse.json());
  if (!parsed.success) throw new HubError(`The Hub's answer for ${options.id} is not a model description.`, 'http');
  const info = parsed.data;
  const files = info.siblings.filter((s) => WANTED.test(s.rfilename));
  if (!files.some((f) => f.rfilename === 'config.json')) throw new HubError(`${options.id} has no config.json: not a Transformers model.`, 'not_gemma3');
  if (!files.some((f) => f.rfilename.endsWith('.safetensors'))) throw new HubError(`${options.id} has no safetensors weights (only other formats); it cannot be loaded here.`, 'not_gemma3');

  const repoDir = join(options.cacheDir, repoFolder(options.id));
  const blobs = join(repoDir, 'blobs');
  const snapshot = join(repoDir, 'snapshots', info.sha);
  mkdirSync(blobs, { recursive: true });
  const total = files.reduce((n, f) => n + (f.lfs?.size ?? f.size ?? 0), 0);
  const blobOf = (f: (typeof files)[number]) => join(blobs, f.lfs?.sha256 ?? f.blobId ?? createHash('sha256').update(`${info.sha}/${f.rfilename}`).digest('hex'));
  // Refuse before the first byte rather than fill the disk: blobs already complete cost nothing, partial ones only their rest.
  const needed = files.reduce((n, f) => {
    const blob = blobOf(f);
    if (existsSync(blob)) return n;
    const partial = `${blob}.incomplete`;
    return n + Math.max(0, (f.lfs?.size ?? f.size ?? 0) - (existsSync(partial) ? statSync(partial).size : 0));
  }, 0);
  const free = diskFreeOf(options);
  if (free < needed) throw new HubError(`Not enough disk space for ${options.id}: it needs ${sizeText(needed)} in ${options.cacheDir}, and only ${sizeText(free)} is free. Free some space, or set HF_HUB_CACHE to a folder on another disk.`, 'disk_full');
  let done = 0;
  const started = performance.now();
  let current = '';
  const progress = (n: number) => {
    done += n;
    const seconds = (performance.now() - started) / 1000;
    const rate = done / Math.max(seconds, 1e-3);
    options.onProgress?.({ file: current, bytesDone: done, bytesTotal: total, bytesPerS: rate, etaS: rate > 0 ? (total - done) / rate : null });
  };
  // config.json first: refuse anything that is not a Gemma 3 text model before downloading gigabytes.
  const ordered = [...files].sort((a, b) => (a.rfilename === 'config.json' ? -1 : b.rfilename === 'config.json' ? 1 : 0));
  for (const file of ordered) {
    current = file.rfilename;
    const blobPath = blobOf(file);
    const hash: ExpectedHash | null = file.lfs ? { algorithm: 'sha256', hex: file.lfs.sha256 } : file.blobId ? { algorithm: 'git-sha1', hex: file.blobId } : null;
    await fetchBlob(`${endpoint}/${options.id}/resolve/${info.sha}/${file.rfilename}`, blobPath, { size: file.lfs?.size ?? file.size ?? null, hash }, options, progress);
    if (file.rfilename === 'config.json') {
      const type = (JSON.parse(readFileSync(blobPath, 'utf8')) as { model_type?: string }).model_type;
      if (type !== 'gemma3_text' && type !== 'gemma3') throw new HubError(`${options.id} is a ${type ?? 'model without model_type'}, not a Gemma 3 text model; nothing else was downloaded.`, 'not_gemma3');
    }
    link(join(snapshot, file.rfilename), blobPath);
  }
  mkdirSync(join(repoDir, 'refs'), { recursive: true });
  writeFileSync(join(repoDir, 'refs', revision), info.sha);
  return { path: snapshot, commit: info.sha, files: files.map((f) => f.rfilename), bytes: total };
}
