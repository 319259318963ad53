/**
 * Base models and their LoRA adapters: the registry of model folders
 * (registry.ts), PEFT adapters per base model (adapters.ts), the Hugging Face
 * cache (hf-cache.ts), Hub downloads into it (hub-download.ts), the token
 * (hf-token.ts), presets (presets.ts) and memory fit per backend (memory-fit.ts).
 */
export { importAdapter, listAdapters, resolveAdapterBase } from './adapters';
export { discoverCachedModels, hubCacheDir, snapshotRepoId } from './hf-cache';
export { downloadModel, HubError } from './hub-download';
export { redact, resolveToken, type SecretCipher, TokenSetting } from './hf-token';
export { backendLimit, memoryFit, trainingEstimate } from './memory-fit';
export { modelPresets } from './presets';
export { type FolderInspection, inspectModelFolder, listModels, registerModel, removeModel } from './registry';
