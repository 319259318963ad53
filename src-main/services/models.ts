import { join } from 'node:path';
import type { Handlers } from '../api/server';
import type { BackendName } from '../api/contract';
import { discoverCachedModels, downloadModel, HubError, hubCacheDir, importAdapter, listAdapters, listModels, modelPresets, redact, registerModel, removeModel, type SecretCipher, TokenSetting } from '../models';
import type { ServiceContext } from './context';

/**
 * Base models and their adapters: register local folders, find the Hugging Face
 * cache, download from the Hub with the token looked up as the CLI does, import
 * PEFT adapters. `cipher` encrypts the token setting (Electron's safeStorage in
 * the app; null in the CLI and tests).
 */
export function modelHandlers(
  { store, jobs, dataDir, engine, settings }: ServiceContext,
  options: { cipher: SecretCipher | null },
): Pick<Handlers, 'models.list' | 'models.add' | 'models.discover' | 'models.presets' | 'models.download' | 'models.remove' | 'models.tokenStatus' | 'models.setToken' | 'models.clearToken' | 'adapters.list' | 'adapters.import'> {
  const tokenSetting = new TokenSetting(join(dataDir, 'hf-token.enc'), options.cipher);
  /** The backend memory is judged against: the setting, or under 'auto' the engine's choice once it has made one. */
  const chosen = (): BackendName | null => {
    const wanted = settings().backend;
    return wanted === 'auto' ? (engine.getStatus().backend?.chosen ?? null) : wanted;
  };
  return {
    async 'models.list'() {
      return listModels(store, chosen());
    },
    async 'models.add'({ path, name }) {
      return registerModel(store, { path, name, source: 'local' }, chosen());
    },
    async 'models.presets'() {
      return modelPresets(hubCacheDir(), listModels(store), chosen());
    },
    async 'models.discover'() {
      return discoverCachedModels();
    },
    async 'models.download'({ id, revision }) {
      const { token } = tokenSetting.resolve();
      return jobs.start('download', `Download ${id}`, async (job) => {
        try {
          const result = await downloadModel({
            id,
            revision,
            token,
            cacheDir: hubCacheDir(),
            signal: job.signal,
            onProgress: (p) => job.progress(p.bytesTotal ? p.bytesDone / p.bytesTotal : 0, `${p.file}: ${(p.bytesDone / 1e6).toFixed(1)} of ${(p.bytesTotal / 1e6).toFixed(1)} MB, ${(p.bytesPerS / 1e6).toFixed(1)} MB/s${p.etaS !== null ? `, ${Math.ceil(p.etaS)} s left` : ''}`),
          });
          const model = registerModel(store, { path: result.path, name: id, source: 'hub', hubId: id });
          return { modelId: model.id, path: result.path, commit: result.commit, bytes: result.bytes };
        } catch (error) {
          // The token must never reach a job message or the store.
          throw error instanceof HubError ? error : new Error(redact((error as Error).message, token));
        }
      });
    },
    async 'models.remove'({ id }) {
      removeModel(store, id);
      return { removed: true };
    },
    async 'models.tokenStatus'() {
      return tokenSetting.status();
    },
    async 'models.setToken'({ token }) {
      tokenSetting.save(token);
      return tokenSetting.status();
    },
    async 'models.clearToken'() {
      tokenSetting.clear();
      return tokenSetting.status();
    },
    async 'adapters.list'({ modelId }) {
      return listAdapters(store, listModels(store), modelId);
    },
    async 'adapters.import'(input) {
      return importAdapter(store, listModels(store), input);
    },
  };
}
