import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HfTokenStatus } from '../../src-main/api/contract';
import { dispatch } from '../../src-main/api/server';
import { spawnNodeEngine } from '../../src-main/engine/host';
import { discoverCachedModels, downloadModel, HubError, registerModel, resolveToken, type SecretCipher } from '../../src-main/models';
import { createBackend } from '../../src-main/services';
import { writeTinyGemma3 } from '../../src-main/model/tiny-model';
import { tempBackend } from '../helpers/backend';

/**
 * A local server speaking the Hugging Face Hub's API for the calls the downloader
 * makes: model info with siblings and LFS sha256, `resolve` with Range, 401 / 403
 * (gated) / 404. It can cut a connection mid-file or corrupt a byte on demand.
 */
const TOKEN = 'hf_testtoken_1234567890';
const COMMIT = 'a'.repeat(40);
let root: string;
let repoFiles: Record<string, Buffer>;
let server: Server;
let endpoint: string;
const behaviour = { cutOnce: false, corrupt: null as string | null, requireToken: true, gated: false, modelType: 'gemma3_text' };
/** Git's object id of a file, which the Hub lists as blobId: sha1 of "blob SIZE\0" + content. */
const gitSha1 = (data: Buffer) => createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
const rangesSeen: string[] = [];
/** A file as the server sends it: config.json with the model_type of the moment. */
const fileData = (name: string) => (name === 'config.json' ? Buffer.from(JSON.stringify({ ...JSON.parse(repoFiles[name].toString()), model_type: behaviour.modelType })) : repoFiles[name]);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'sqlora-hub-'));
  writeTinyGemma3(join(root, 'repo'), { hiddenSize: 16, intermediateSize: 32, numLayers: 1, numHeads: 2, numKvHeads: 1, headDim: 8, slidingWindow: 8 }, 5);
  repoFiles = Object.fromEntries(readdirSync(join(root, 'repo')).map((f) => [f, readFileSync(join(root, 'repo', f))]));
  repoFiles['README.md'] = Buffer.from('# tiny');
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (behaviour.gated && !req.headers.authorization) {
      res.writeHead(401, { 'x-error-code': 'GatedRepo' }).end(JSON.stringify({ error: 'Access to model org/tiny is restricted. You must be authenticated to access it.' }));
      return;
    }
    if (behaviour.requireToken && req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401).end(JSON.stringify({ error: 'Invalid credentials in Authorization header' }));
      return;
    }
    if (behaviour.gated) {
      res.writeHead(403).end(JSON.stringify({ error: 'Access to model org/tiny is restricted and you are not in the authorized list.' }));
      return;
    }
    if (url.pathname === '/api/models/org/tiny/revision/main') {
      const siblings = Object.keys(repoFiles).map((name) => [name, fileData(name)] as const).map(([name, data]) =>
        name.endsWith('.safetensors') || name === 'tokenizer.json'
          ? { rfilename: name, size: data.length, blobId: gitSha1(data), lfs: { sha256: createHash('sha256').update(data).digest('hex'), size: data.length } }
          : { rfilename: name, size: data.length, blobId: gitSha1(data) },
      );
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'org/tiny', sha: COMMIT, siblings }));
      return;
    }
    const m = /^\/org\/tiny\/resolve\/([0-9a-f]{40})\/(.+)$/.exec(url.pathname);
    if (m && repoFiles[m[2]]) {
      let data = fileData(m[2]);
      if (behaviour.corrupt === m[2]) {
        data = Buffer.from(data);
        data[data.length - 10] ^= 0xff;
      }
      const range = /bytes=(\d+)-/.exec(req.headers.range ?? '');
      if (range) rangesSeen.push(`${m[2]}:${range[1]}`);
      const start = range ? Number(range[1]) : 0;
      res.writeHead(range ? 206 : 200, { 'content-length': data.length - start });
      if (behaviour.cutOnce && m[2] === 'model.safetensors' && !range) {
        behaviour.cutOnce = false;
        res.write(data.subarray(0, Math.floor(data.length / 2)));
        setTimeout(() => res.destroy(), 20);
        return;
      }
      res.end(data.subarray(start));
      return;
    }
    res.writeHead(404).end('{"error":"Repository not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
  rmSync(root, { recursive: true, force: true });
});
beforeEach(() => Object.assign(behaviour, { cutOnce: false, corrupt: null, requireToken: true, gated: false, modelType: 'gemma3_text' }));

const download = (cacheDir: string, token: string | null = TOKEN) => downloadModel({ id: 'org/tiny', token, cacheDir, endpoint });

describe('Hub downloads into the standard cache', () => {
  it('downloads every needed file (not the README) and links snapshots to blobs as huggingface_hub does', async () => {
    const cache = join(root, 'cache1');
    const progress: number[] = [];
    const result = await downloadModel({ id: 'org/tiny', token: TOKEN, cacheDir: cache, endpoint, onProgress: (p) => progress.push(p.bytesDone / p.bytesTotal) });
    expect(result.commit).toBe(COMMIT);
    expect(result.files.sort()).toEqual(Object.keys(repoFiles).filter((f) => f !== 'README.md').sort());
    const snapshot = join(cache, 'models--org--tiny', 'snapshots', COMMIT);
    expect(result.path).toBe(snapshot);
    expect(lstatSync(join(snapshot, 'model.safetensors')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(snapshot, 'model.safetensors'))).toBe(join('..', '..', 'blobs', createHash('sha256').update(repoFiles['model.safetensors']).digest('hex')));
    expect(readFileSync(join(cache, 'models--org--tiny', 'refs', 'main'), 'utf8')).toBe(COMMIT);
    expect(readFileSync(join(snapshot, 'model.safetensors')).equals(repoFiles['model.safetensors'])).toBe(true);
    expect(progress.at(-1)).toBeCloseTo(1, 6);
    // Found again as a cached model, as Python's tools would leave it.
    expect(discoverCachedModels(cache)).toEqual([expect.objectContaining({ id: 'org/tiny', revision: COMMIT, modelType: 'gemma3_text', unsupported: null })]);
  });

  it('resumes a cut connection with a Range request and ends with the right bytes', async () => {
    behaviour.cutOnce = true;
    rangesSeen.length = 0;
    const cache = join(root, 'cache2');
    const result = await download(cache);
    expect(rangesSeen.some((r) => r.startsWith('model.safetensors:') && Number(r.split(':')[1]) > 0)).toBe(true);
    expect(readFileSync(join(result.path, 'model.safetensors')).equals(repoFiles['model.safetensors'])).toBe(true);
  });

  it('catches a corrupted byte by sha256 and keeps nothing of it', async () => {
    behaviour.corrupt = 'model.safetensors';
    const cache = join(root, 'cache3');
    await expect(download(cache)).rejects.toThrow(/model\.safetensors is corrupted: sha256 [0-9a-f]{64}, the Hub lists [0-9a-f]{64}/);
    const blobs = readdirSync(join(cache, 'models--org--tiny', 'blobs'));
    expect(blobs.some((b) => b.endsWith('.incomplete'))).toBe(false);
    expect(existsSync(join(cache, 'models--org--tiny', 'refs', 'main'))).toBe(false);
  });

  it('catches a corrupted non-LFS file by its git blob sha1', async () => {
    behaviour.corrupt = 'tokenizer_config.json';
    const cache = join(root, 'cache-sha1');
    const expected = gitSha1(repoFiles['tokenizer_config.json']);
    await expect(download(cache)).rejects.toThrow(new RegExp(`tokenizer_config\\.json is corrupted: git-sha1 [0-9a-f]{40}, the Hub lists ${expected}`));
    expect(existsSync(join(cache, 'models--org--tiny', 'blobs', expected))).toBe(false);
    behaviour.corrupt = null;
    const result = await download(cache);
    // The blob is named by the git id it was checked against, as huggingface_hub names it.
    expect(readFileSync(join(cache, 'models--org--tiny', 'blobs', expected)).equals(repoFiles['tokenizer_config.json'])).toBe(true);
    expect(readFileSync(join(result.path, 'tokenizer_config.json')).equals(repoFiles['tokenizer_config.json'])).toBe(true);
  });

  it('refuses before the first byte when the disk has less room than the files left to fetch, naming both sizes', async () => {
    const cache = join(root, 'cache-full');
    const needed = Object.keys(repoFiles).filter((f) => f !== 'README.md').reduce((n, f) => n + fileData(f).length, 0);
    const err = await downloadModel({ id: 'org/tiny', token: TOKEN, cacheDir: cache, endpoint, freeBytes: () => 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubError);
    expect((err as HubError).kind).toBe('disk_full');
    expect((err as HubError).message).toBe(
      `Not enough disk space for org/tiny: it needs ${(needed / 1e9).toFixed(2)} GB (${needed.toLocaleString('en-US')} bytes) in ${cache}, and only 0.00 GB (1,000 bytes) is free. Free some space, or set HF_HUB_CACHE to a folder on another disk.`,
    );
    expect(readdirSync(join(cache, 'models--org--tiny', 'blobs'))).toEqual([]);
    // Blobs already in the cache need no room: a complete cache downloads again on a full disk.
    await download(cache);
    const again = await downloadModel({ id: 'org/tiny', token: TOKEN, cacheDir: cache, endpoint, freeBytes: () => 0 });
    expect(again.commit).toBe(COMMIT);
  });

  it('says what to do for a missing or bad token, a gated model, an unknown repo, and a model that is not Gemma 3', async () => {
    await expect(download(join(root, 'c4'), null)).rejects.toThrow(/needs a Hugging Face token \(401\)/);
    const bad = download(join(root, 'c4'), 'hf_wrong_token_value');
    await expect(bad).rejects.toThrow(/token was refused \(401\)/);
    await expect(bad).rejects.not.toThrow(/hf_wrong_token_value/);
    behaviour.gated = true;
    await expect(download(join(root, 'c5'))).rejects.toThrow(new RegExp(`gated model .* Accept it at .*/org/tiny`));
    // Without a token the Hub answers a gated repo with 401 and GatedRepo: the message still says where the licence is.
    await expect(download(join(root, 'c5'), null)).rejects.toThrow(/org\/tiny is a gated model: it needs a Hugging Face token \(401\) and its licence accepted at https:\/\/huggingface\.co\/org\/tiny/);
    behaviour.gated = false;
    await expect(downloadModel({ id: 'org/missing', token: TOKEN, cacheDir: join(root, 'c6'), endpoint })).rejects.toThrow(/No model org\/missing .*\(404\)/);
    behaviour.modelType = 'llama';
    const cache = join(root, 'c7');
    const err = await download(cache).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubError);
    expect((err as HubError).kind).toBe('not_gemma3');
    // Refused after config.json, before any weights.
    expect(readdirSync(join(cache, 'models--org--tiny', 'blobs')).length).toBe(1);
  });

  it('finds the token in settings, $HF_TOKEN, then the token file; a download job never shows it', async () => {
    const home = join(root, 'hfhome');
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'token'), 'hf_from_file\n');
    const saved = { HF_HOME: process.env.HF_HOME, HF_TOKEN: process.env.HF_TOKEN, HF_ENDPOINT: process.env.HF_ENDPOINT, HF_HUB_CACHE: process.env.HF_HUB_CACHE };
    try {
      process.env.HF_HOME = home;
      delete process.env.HF_TOKEN;
      expect(resolveToken(null)).toEqual({ token: 'hf_from_file', source: 'token file' });
      process.env.HF_TOKEN = TOKEN;
      expect(resolveToken(null)).toEqual({ token: TOKEN, source: 'HF_TOKEN' });
      expect(resolveToken('hf_setting')).toEqual({ token: 'hf_setting', source: 'settings' });

      process.env.HF_ENDPOINT = endpoint;
      process.env.HF_HUB_CACHE = join(root, 'cache-job');
      behaviour.gated = true;
      const backend = tempBackend();
      const started = await dispatch(backend.handlers, 'models.download', { id: 'org/tiny' });
      const job = await backend.jobs.wait((started as { value: { id: string } }).value.id);
      expect(job.status).toBe('failed');
      expect(job.error).toMatch(/gated model/);
      behaviour.gated = false;
      const ok = await dispatch(backend.handlers, 'models.download', { id: 'org/tiny' });
      const done = await backend.jobs.wait((ok as { value: { id: string } }).value.id);
      expect(done.status, done.error ?? '').toBe('completed');
      const models = await dispatch(backend.handlers, 'models.list', {});
      expect((models as { value: { name: string; source: string; layers: number }[] }).value).toEqual([expect.objectContaining({ name: 'org/tiny', source: 'hub', hubId: 'org/tiny', layers: 1, dtype: 'F32' })]);
      const store = readFileSync(join(backend.dataDir, 'store.db'));
      expect(store.includes(Buffer.from(TOKEN))).toBe(false);
      await backend.cleanup();
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });

  it('saves the token from the settings encrypted, uses it first, and never writes, logs or reports it in plain text', async () => {
    // A stand-in for safeStorage: AES-GCM under a key that lives only in this test.
    const key = randomBytes(32);
    const cipher: SecretCipher = {
      encrypt: (plain) => {
        const iv = randomBytes(12);
        const c = createCipheriv('aes-256-gcm', key, iv);
        const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
        return Buffer.concat([iv, c.getAuthTag(), body]);
      },
      decrypt: (data) => {
        const d = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
        d.setAuthTag(data.subarray(12, 28));
        return Buffer.concat([d.update(data.subarray(28)), d.final()]).toString('utf8');
      },
    };
    const home = join(root, 'hfhome-settings');
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'token'), 'hf_from_file_abcdef\n');
    const saved = { HF_HOME: process.env.HF_HOME, HF_TOKEN: process.env.HF_TOKEN, HF_TOKEN_PATH: process.env.HF_TOKEN_PATH, HF_ENDPOINT: process.env.HF_ENDPOINT, HF_HUB_CACHE: process.env.HF_HUB_CACHE };
    const dataDir = mkdtempSync(join(tmpdir(), 'sqlora-token-'));
    const printed: string[] = [];
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void printed.push(a.map(String).join(' '))));
    const app = createBackend({ dataDir, transport: 'ipc', spawnEngine: spawnNodeEngine, secrets: cipher });
    try {
      process.env.HF_HOME = home;
      delete process.env.HF_TOKEN_PATH;
      process.env.HF_TOKEN = 'hf_from_env_abcdef';
      process.env.HF_ENDPOINT = endpoint;
      process.env.HF_HUB_CACHE = join(root, 'cache-settings');
      const call = async (method: string, input: unknown = {}) => {
        const r = await dispatch(app.handlers, method, input);
        if (!r.ok) throw new Error(r.error.message);
        return r.value as HfTokenStatus;
      };
      expect(await call('models.tokenStatus')).toEqual({ source: 'HF_TOKEN', canStore: true, stored: false, storedUnreadable: false });
      expect(await call('models.setToken', { token: ` ${TOKEN} ` })).toEqual({ source: 'settings', canStore: true, stored: true, storedUnreadable: false });

      // On disk: ciphertext only, in its own file; the store has no trace of it.
      const file = readFileSync(join(dataDir, 'hf-token.enc'));
      for (const form of [TOKEN, Buffer.from(TOKEN).toString('base64'), Buffer.from(TOKEN).toString('hex')]) expect(file.includes(Buffer.from(form))).toBe(false);
      expect(cipher.decrypt(file)).toBe(TOKEN);

      // The settings token goes first: the server accepts only TOKEN, not the $HF_TOKEN one.
      const started = await dispatch(app.handlers, 'models.download', { id: 'org/tiny' });
      const done = await app.jobs.wait((started as { value: { id: string } }).value.id);
      expect(done.status, done.error ?? '').toBe('completed');
      const jobs = JSON.stringify(await dispatch(app.handlers, 'jobs.list', {}));
      expect(jobs.includes(TOKEN)).toBe(false);

      // The CLI (no keychain) on the same data folder skips what it cannot read, and refuses to save in plain text.
      const cli = createBackend({ dataDir: mkdtempSync(join(tmpdir(), 'sqlora-token-cli-')), transport: 'http', spawnEngine: spawnNodeEngine });
      cpSync(join(dataDir, 'hf-token.enc'), join(cli.dataDir, 'hf-token.enc'));
      const cliStatus = await dispatch(cli.handlers, 'models.tokenStatus', {});
      expect(cliStatus).toEqual({ ok: true, value: { source: 'HF_TOKEN', canStore: false, stored: true, storedUnreadable: true } });
      const refused = await dispatch(cli.handlers, 'models.setToken', { token: 'hf_cli_attempt_abcdef' });
      expect(refused).toEqual({ ok: false, error: { code: 'failed', message: expect.stringMatching(/^No OS keychain is available here, so the token is not saved/) } });
      expect(readFileSync(join(cli.dataDir, 'hf-token.enc')).equals(file)).toBe(true);
      await cli.close();
      rmSync(cli.dataDir, { recursive: true, force: true });

      // Clearing it falls back to $HF_TOKEN, then to the token file.
      expect(await call('models.clearToken')).toEqual({ source: 'HF_TOKEN', canStore: true, stored: false, storedUnreadable: false });
      expect(existsSync(join(dataDir, 'hf-token.enc'))).toBe(false);
      delete process.env.HF_TOKEN;
      expect((await call('models.tokenStatus')).source).toBe('token file');

      // Nothing in the data folder (store, its WAL, job files) and nothing printed holds any of the tokens.
      const written = readdirSync(dataDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => readFileSync(join(e.parentPath, e.name)));
      expect(written.length).toBeGreaterThan(0);
      for (const secret of [TOKEN, 'hf_from_env_abcdef', 'hf_from_file_abcdef']) {
        expect(written.some((b) => b.includes(Buffer.from(secret)))).toBe(false);
        expect(printed.join('\n')).not.toContain(secret);
      }
    } finally {
      for (const spy of spies) spy.mockRestore();
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });
});

describe('local folders and the Python cache', () => {
  it('discovers a cache made by Python tools (symlinked blobs) and flags what cannot be used', () => {
    const cache = join(root, 'pycache');
    const repo = join(cache, 'models--google--gemma-3-270m-it');
    mkdirSync(join(repo, 'blobs'), { recursive: true });
    mkdirSync(join(repo, 'snapshots', 'b'.repeat(40)), { recursive: true });
    for (const [name, data] of Object.entries(repoFiles)) {
      const blob = join(repo, 'blobs', createHash('sha256').update(data).digest('hex'));
      writeFileSync(blob, data);
      symlinkSync(join('..', '..', 'blobs', createHash('sha256').update(data).digest('hex')), join(repo, 'snapshots', 'b'.repeat(40), name));
    }
    const other = join(cache, 'models--bert--base', 'snapshots', 'c'.repeat(40));
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'config.json'), '{"model_type":"bert"}');
    const found = discoverCachedModels(cache);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'google/gemma-3-270m-it', modelType: 'gemma3_text', unsupported: null }),
        expect.objectContaining({ id: 'bert/base', unsupported: expect.stringMatching(/model_type bert/) }),
      ]),
    );
  });

  it('registers a local folder by path after the engine checks, and refuses one missing its tokenizer by name', () => {
    const backend = tempBackend();
    const model = registerModel(backend.store, { path: join(root, 'repo'), source: 'local' });
    expect(model).toMatchObject({ name: 'repo', source: 'local', layers: 1, hiddenSize: 16, vocabSize: 262144, fitsWasm: true });
    expect(registerModel(backend.store, { path: join(root, 'repo'), source: 'local' }).id).toBe(model.id);
    const noTokenizer = join(root, 'no-tokenizer');
    cpSync(join(root, 'repo'), noTokenizer, { recursive: true });
    rmSync(join(noTokenizer, 'tokenizer.json'));
    expect(() => registerModel(backend.store, { path: noTokenizer, source: 'local' })).toThrow(/tokenizer\.json: missing/);
    void backend.cleanup();
  });
});
