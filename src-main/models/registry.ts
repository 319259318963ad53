import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ApiError, type BackendName, type ModelSummary } from '../api/contract';
import { loadGemma3Config, readJson } from '../model/config';
import { ModelFileError, SafetensorsFile } from '../model/safetensors';
import { ModelWeights } from '../model/weights';
import { nowIso, type Store } from '../store';
import { snapshotRepoId } from './hf-cache';
import { backendLimit, memoryFit, trainingEstimate } from './memory-fit';

/**
 * Base models the workbench knows, registered by path (never copied): local
 * folders, snapshots in the Hugging Face cache, Hub downloads and the bundled
 * default. Registration runs the engine's own checks, so a folder that would fail
 * to load is refused with the file and key at fault.
 */

/** A folder checked and summarised as the engine sees it. */
export interface FolderInspection {
  path: string;
  layers: number;
  hiddenSize: number;
  vocabSize: number;
  heads: string;
  parameters: number;
  dtype: string;
  float32Bytes: number;
  diskBytes: number;
  /** Tokenizer files the folder lacks (training and generation need them). */
  missing: string[];
  /** LoRA training at the seed's largest rank (r 16, 512 tokens, batch 1): weights + training state + activations. */
  trainingBytes: number;
  fitsWasm: boolean;
}

/** The `config` column: the inspection as registered (rows from before dtype and hubId lack them). */
type StoredSummary = Omit<FolderInspection, 'missing' | 'dtype'> & { dtype?: string; hubId?: string | null };

/** Storage types of the weights as their safetensors headers give them, e.g. "BF16" or "BF16+F32". */
function weightDtypes(dir: string): string {
  const index = join(dir, 'model.safetensors.index.json');
  const shards = existsSync(index) ? [...new Set(Object.values(readJson(index).weight_map as Record<string, string>))] : ['model.safetensors'];
  const dtypes = new Set<string>();
  for (const shard of shards) {
    const file = new SafetensorsFile(join(dir, shard));
    for (const entry of file.entries.values()) dtypes.add(entry.dtype);
    file.close();
  }
  return [...dtypes].sort().join('+');
}

/** Check a folder the way the engine will load it (config, every tensor's shape) and summarise it. */
export function inspectModelFolder(path: string): FolderInspection {
  const config = loadGemma3Config(path);
  const weights = new ModelWeights(path, config);
  const float32Bytes = weights.float32Bytes();
  weights.close();
  const missing = ['tokenizer.json', 'tokenizer_config.json'].filter((f) => !existsSync(join(path, f)));
  const diskBytes = readdirSync(path).reduce((n, f) => n + statSync(join(path, f)).size, 0);
  const training = trainingEstimate(config);
  return {
    path,
    layers: config.numLayers,
    hiddenSize: config.hiddenSize,
    vocabSize: config.vocabSize,
    heads: `${config.numHeads} / ${config.numKvHeads} KV`,
    parameters: float32Bytes / 4,
    dtype: weightDtypes(path),
    float32Bytes,
    diskBytes,
    missing,
    trainingBytes: training.totalBytes,
    fitsWasm: training.totalBytes <= backendLimit('wasm'),
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

const toSummary = (r: ModelRow, chosen: BackendName | null): ModelSummary => {
  const c = JSON.parse(r.config) as StoredSummary;
  return {
    id: r.id,
    name: r.name,
    path: r.path,
    source: r.source,
    hubId: c.hubId ?? null,
    layers: c.layers,
    hiddenSize: c.hiddenSize,
    vocabSize: c.vocabSize,
    parameters: c.parameters,
    dtype: c.dtype ?? null,
    diskBytes: c.diskBytes,
    fitsWasm: c.fitsWasm,
    memory: memoryFit({ totalBytes: c.trainingBytes, weightsBytes: c.float32Bytes }, chosen),
    createdAt: r.created_at,
  };
};

/** The registered models; `chosen` is the backend whose memory they are judged against (null: not known yet). */
export function listModels(store: Store, chosen: BackendName | null = null): ModelSummary[] {
  return (store.db.prepare('SELECT * FROM models ORDER BY id').all() as ModelRow[]).map((r) => toSummary(r, chosen));
}

/**
 * Register a folder after the engine's checks. A snapshot of a Hugging Face cache
 * is recognised by its path (source 'hf-cache', its Hub id), wherever the cache is.
 */
export function registerModel(store: Store, input: { path: string; name?: string; source: 'local' | 'hf-cache' | 'hub' | 'bundled'; hubId?: string }, chosen: BackendName | null = null): ModelSummary {
  const path = resolve(input.path);
  if (!existsSync(path)) throw new ApiError('not_found', `${path}: no such folder.`);
  const { missing, ...summary } = inspectModelFolder(path);
  if (missing.length) throw new ModelFileError(join(path, missing[0]), null, 'missing: the tokenizer and its chat template come from the model folder');
  const existing = store.db.prepare('SELECT * FROM models WHERE path = ?').get(path) as ModelRow | undefined;
  if (existing) return toSummary(existing, chosen);
  const hubId = input.hubId ?? snapshotRepoId(path);
  const source = input.source === 'local' && hubId ? 'hf-cache' : input.source;
  const stored: StoredSummary = { ...summary, hubId };
  const base = input.name ?? basename(path);
  let name = base;
  for (let n = 2; store.db.prepare('SELECT 1 FROM models WHERE name = ?').get(name); n++) name = `${base} (${n})`;
  const id = Number(store.db.prepare('INSERT INTO models (name, path, source, config, created_at) VALUES (?, ?, ?, ?, ?)').run(name, path, source, JSON.stringify(stored), nowIso()).lastInsertRowid);
  return toSummary(store.db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow, chosen);
}

export function removeModel(store: Store, id: number): void {
  const r = store.db.prepare('DELETE FROM models WHERE id = ?').run(id);
  if (!r.changes) throw new ApiError('not_found', `No model ${id}.`);
}
