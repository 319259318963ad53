import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { hfHome } from './hf-token';

/**
 * The Hugging Face hub cache as Python's huggingface_hub lays it out:
 * `models--ORG--NAME/{blobs/<hash>, snapshots/<commit>/<file> -> ../../blobs/<hash>,
 * refs/<revision>}`. Models downloaded by Python tools are found here and used in
 * place; downloads made by the workbench go here too, so nothing is fetched twice.
 */
export function hubCacheDir(): string {
  return process.env.HF_HUB_CACHE ?? process.env.HUGGINGFACE_HUB_CACHE ?? join(hfHome(), 'hub');
}

export const repoFolder = (id: string): string => `models--${id.replace('/', '--')}`;
const repoIdOf = (folder: string): string => folder.slice('models--'.length).replace('--', '/');

/** The Hub id of a snapshot folder (`…/models--ORG--NAME/snapshots/REV`), wherever the cache lives; else null. */
export function snapshotRepoId(path: string): string | null {
  const parts = resolve(path).split(sep);
  const [repo, snapshots] = parts.slice(-3);
  return parts.length >= 3 && repo.startsWith('models--') && snapshots === 'snapshots' ? repoIdOf(repo) : null;
}

export interface CachedModel {
  id: string;
  revision: string;
  path: string;
  modelType: string | null;
  /** Why it cannot be used here, or null. */
  unsupported: string | null;
  bytes: number;
}

/** Every model snapshot in the cache, newest revision per repo first. */
export function discoverCachedModels(cacheDir = hubCacheDir()): CachedModel[] {
  if (!existsSync(cacheDir)) return [];
  const out: CachedModel[] = [];
  for (const repo of readdirSync(cacheDir).filter((d) => d.startsWith('models--'))) {
    const id = repoIdOf(repo);
    const snapshots = join(cacheDir, repo, 'snapshots');
    if (!existsSync(snapshots)) continue;
    const revisions = readdirSync(snapshots).sort((a, b) => statSync(join(snapshots, b)).mtimeMs - statSync(join(snapshots, a)).mtimeMs);
    for (const revision of revisions) {
      const path = join(snapshots, revision);
      let modelType: string | null = null;
      let unsupported: string | null = null;
      try {
        const config = JSON.parse(readFileSync(join(path, 'config.json'), 'utf8')) as { model_type?: string };
        modelType = config.model_type ?? null;
        if (modelType !== 'gemma3_text' && modelType !== 'gemma3') unsupported = `model_type ${modelType ?? 'missing'}: only Gemma 3 text models are supported`;
      } catch {
        unsupported = 'no readable config.json in this snapshot';
      }
      const weights = readdirSync(path).filter((f) => f.endsWith('.safetensors'));
      if (!unsupported && !weights.length) unsupported = 'no *.safetensors weights in this snapshot (incomplete download?)';
      const bytes = readdirSync(path).reduce((n, f) => n + (existsSync(join(path, f)) ? statSync(join(path, f)).size : 0), 0);
      out.push({ id, revision, path, modelType, unsupported, bytes });
    }
  }
  return out;
}
