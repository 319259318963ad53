import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { type AdapterRecord, ApiError, type ModelSummary } from '../api/contract';
import { type Gemma3Config, loadGemma3Config } from '../model/config';
import { knownConfig, knownModelIds } from '../model/known-models';
import { describeAdapter } from '../model/lora';
import { ModelFileError } from '../model/safetensors';
import { nowIso, type Store } from '../store';

/**
 * LoRA adapters per base model. The adapters table holds runs' best adapters
 * (written by training, or by importing a Trainer run) and PEFT folders imported
 * on their own; all are registered by path. Each is read again from its folder
 * when listed, through model/lora.ts's loader, and checked against its base, so a
 * folder that moved or a base that changed shows up as a problem.
 */

export interface AdapterBase {
  config: Gemma3Config;
  /** How the checks name it: the Hub id, registered name, or folder. */
  name: string;
  model: ModelSummary | null;
}

/** A registered model (id, name, Hub id or path), a model folder, or a known Hub id. */
export function resolveAdapterBase(ref: string, registered: ModelSummary[]): AdapterBase {
  const model = registered.find((m) => String(m.id) === ref || m.name === ref || m.hubId === ref || m.path === resolve(ref));
  if (model) return { config: loadGemma3Config(model.path), name: model.hubId ?? model.name, model };
  if (existsSync(join(ref, 'config.json'))) return { config: loadGemma3Config(ref), name: resolve(ref), model: null };
  const known = knownConfig(ref);
  if (known) return { config: known, name: ref, model: null };
  throw new ApiError('invalid_input', `Base model "${ref}" is not a registered model (id, name or Hub id), a model folder with config.json, nor a known model (${knownModelIds().join(', ')}).`);
}

/** The loader's named error (file and key) as an API error that keeps them. */
function named<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof ModelFileError) throw new ApiError('invalid_input', error.message, { file: error.file, key: error.key });
    throw error;
  }
}

interface AdapterRow {
  id: number;
  name: string;
  path: string;
  model_id: number | null;
  run_id: number | null;
  source: 'trained' | 'imported';
  config: string;
  created_at: string;
  run_name: string | null;
  run_config: string | null;
  run_model_id: number | null;
}

/**
 * The base an adapter was made for, most specific first: the model it was imported
 * against, its run's model, the folder its run trained on, then the Hub id its run
 * or its own config records.
 */
function recordedBase(row: AdapterRow): { modelId: number | null; ref: string | null } {
  const run = row.run_config ? (JSON.parse(row.run_config) as { modelPath?: string; lora?: { baseModel?: string | null } | null }) : null;
  const own = JSON.parse(row.config) as { baseModel?: string | null; base_model_name_or_path?: string | null };
  return { modelId: row.model_id ?? row.run_model_id, ref: run?.modelPath ?? run?.lora?.baseModel ?? own.baseModel ?? own.base_model_name_or_path ?? null };
}

function toRecord(row: AdapterRow, models: ModelSummary[]): AdapterRecord {
  const recorded = recordedBase(row);
  let base: AdapterBase | null = null;
  let problem: string | null = null;
  let info: AdapterRecord['info'] = null;
  try {
    const registered = models.find((m) => m.id === recorded.modelId);
    base = registered ? resolveAdapterBase(String(registered.id), models) : recorded.ref ? resolveAdapterBase(recorded.ref, models) : null;
  } catch (error) {
    // An unknown base: the adapter is still described, only not checked.
    if (!(error instanceof ApiError)) problem = (error as Error).message;
  }
  try {
    info = describeAdapter(row.path, base && { config: base.config, name: base.name });
  } catch (error) {
    problem = existsSync(row.path) ? (error as Error).message : `the folder ${row.path} is not there any more`;
  }
  return {
    id: row.id,
    name: row.name,
    path: row.path,
    source: row.source,
    runId: row.run_id,
    runName: row.run_name,
    modelId: base?.model?.id ?? null,
    baseModel: base?.name ?? recorded.ref ?? info?.baseModel ?? null,
    info,
    problem,
    createdAt: row.created_at,
  };
}

const SELECT = 'SELECT a.*, r.name AS run_name, r.config AS run_config, r.model_id AS run_model_id FROM adapters a LEFT JOIN runs r ON r.id = a.run_id';

/** Every adapter with its base model, or those of one registered model. */
export function listAdapters(store: Store, models: ModelSummary[], modelId?: number): AdapterRecord[] {
  if (modelId !== undefined && !models.some((m) => m.id === modelId)) throw new ApiError('not_found', `No model ${modelId}.`);
  const all = (store.db.prepare(`${SELECT} ORDER BY a.id`).all() as AdapterRow[]).map((row) => toRecord(row, models));
  return modelId === undefined ? all : all.filter((a) => a.modelId === modelId);
}

/**
 * Check a PEFT folder with the engine's loader (adapter_config.json, the
 * safetensors, every A/B shape against the base) and register it by path. The base
 * defaults to the adapter's own base_model_name_or_path. Importing the same folder
 * again updates it instead of adding a second entry.
 */
export function importAdapter(store: Store, models: ModelSummary[], input: { path: string; base?: string; name?: string }): AdapterRecord {
  const path = resolve(input.path);
  const declared = named(() => describeAdapter(path)).baseModel;
  const ref = input.base ?? declared;
  if (!ref) throw new ApiError('invalid_input', `${path}: adapter_config.json does not record its base model (base_model_name_or_path); say which base it was trained on.`);
  const base = resolveAdapterBase(ref, models);
  const info = named(() => describeAdapter(path, { config: base.config, name: base.name }));
  const config = JSON.stringify({ r: info.r, alpha: info.alpha, targets: info.targets, baseModel: base.name });
  const existing = store.db.prepare("SELECT id FROM adapters WHERE path = ? AND run_id IS NULL AND source = 'imported'").get(path) as { id: number } | undefined;
  let id = existing?.id;
  if (id !== undefined) store.db.prepare('UPDATE adapters SET model_id = ?, config = ? WHERE id = ?').run(base.model?.id ?? null, config, id);
  else {
    const insert = store.db.prepare("INSERT INTO adapters (name, path, model_id, run_id, source, config, created_at) VALUES (?, ?, ?, NULL, 'imported', ?, ?)");
    id = Number(insert.run(input.name ?? basename(path), path, base.model?.id ?? null, config, nowIso()).lastInsertRowid);
  }
  return toRecord(store.db.prepare(`${SELECT} WHERE a.id = ?`).get(id) as AdapterRow, models);
}
