import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ApiError } from '../api/contract';
import { loadGemma3Config } from '../model/config';
import { estimateMemory, WASM_HEAP_LIMIT } from '../model/memory';
import { ModelFileError } from '../model/safetensors';
import { ModelWeights } from '../model/weights';
import { nowIso, type Store } from '../store';

/**
 * Base models the workbench knows, registered by path (never copied): local
 * folders, snapshots in the Hugging Face cache, Hub downloads and the bundled
 * default. Registration runs the engine's own checks, so a folder that would fail
 * to load is refused with the file and key at fault.
 */
export { discoverCachedModels, hubCacheDir } from './hf-cache';
export { downloadModel, HubError } from './hub-download';
export { redact, resolveToken, type SecretCipher, TokenSetting } from './hf-token';

export interface ModelSummary {
  id: number;
  name: string;
  path: string;
  source: string;
  layers: number;
  hiddenSize: number;
  vocabSize: number;
  parameters: number;
  diskBytes: number;
  fitsWasm: boolean;
  createdAt: string;
}

export interface FolderInspection extends Omit<ModelSummary, 'id' | 'name' | 'source' | 'createdAt'> {
  /** Tokenizer files the folder lacks (training and generation need them). */
  missing: string[];
  heads: string;
  float32Bytes: number;
  /** LoRA training at the seed's largest rank (r 16, 512 tokens, batch 1). */
  trainingBytes: number;
}

/** Check a folder the way the engine will load it (config, every tensor's shape) and summarise it. */
export function inspectModelFolder(path: string): FolderInspection {
  const config = loadGemma3Config(path);
  const weights = new ModelWeights(path, config);
  const float32Bytes = weights.float32Bytes();
  weights.close();
  const missing = ['tokenizer.json', 'tokenizer_config.json'].filter((f) => !existsSync(join(path, f)));
  const diskBytes = readdirSync(path).reduce((n, f) => n + statSync(join(path, f)).size, 0);
  const training = estimateMemory(config, { batchSize: 1, sequenceLength: 512, lora: { r: 16, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] } });
  return {
    path,
    layers: config.numLayers,
    hiddenSize: config.hiddenSize,
    vocabSize: config.vocabSize,
    heads: `${config.numHeads} / ${config.numKvHeads} KV`,
    parameters: float32Bytes / 4,
    float32Bytes,
    diskBytes,
    missing,
    trainingBytes: training.totalBytes,
    fitsWasm: training.totalBytes <= WASM_HEAP_LIMIT * 0.9,
  };
}

interface ModelRow {
  id: number;
  name: string;
  path: string;
  source: string;
  config: string;
  created_at: string;
}

const toSummary = (r: ModelRow): ModelSummary => ({ id: r.id, name: r.name, source: r.source, createdAt: r.created_at, ...(JSON.parse(r.config) as Omit<ModelSummary, 'id' | 'name' | 'source' | 'createdAt'>) });

export function listModels(store: Store): ModelSummary[] {
  return (store.db.prepare('SELECT * FROM models ORDER BY id').all() as ModelRow[]).map(toSummary);
}

export function registerModel(store: Store, input: { path: string; name?: string; source: 'local' | 'hf-cache' | 'hub' | 'bundled' }): ModelSummary {
  const path = resolve(input.path);
  if (!existsSync(path)) throw new ApiError('not_found', `${path}: no such folder.`);
  const { missing, ...summary } = inspectModelFolder(path);
  if (missing.length) throw new ModelFileError(join(path, missing[0]), null, 'missing: the tokenizer and its chat template come from the model folder');
  const existing = store.db.prepare('SELECT * FROM models WHERE path = ?').get(path) as ModelRow | undefined;
  if (existing) return toSummary(existing);
  const base = input.name ?? basename(path);
  let name = base;
  for (let n = 2; store.db.prepare('SELECT 1 FROM models WHERE name = ?').get(name); n++) name = `${base} (${n})`;
  const id = Number(store.db.prepare('INSERT INTO models (name, path, source, config, created_at) VALUES (?, ?, ?, ?, ?)').run(name, path, input.source, JSON.stringify(summary), nowIso()).lastInsertRowid);
  return toSummary(store.db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow);
}

export function removeModel(store: Store, id: number): void {
  const r = store.db.prepare('DELETE FROM models WHERE id = ?').run(id);
  if (!r.changes) throw new ApiError('not_found', `No model ${id}.`);
}
