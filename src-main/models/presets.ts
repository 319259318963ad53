import type { BackendName, ModelPreset, ModelSummary } from '../api/contract';
import { knownConfig } from '../model/known-models';
import { discoverCachedModels } from './hf-cache';
import { HUB_ENDPOINT } from './hub-download';
import { memoryFit, trainingEstimate } from './memory-fit';

/**
 * The two models the workbench is made for, offered before anything is on disk:
 * their size and memory needs come from the published configuration
 * (model/known-models.ts). Both are gated on the Hub behind the Gemma Terms of Use.
 */
const PRESETS = [
  { id: 'google/gemma-3-1b-it', title: "Gemma 3 1B instruction-tuned (the seed's model)" },
  { id: 'google/gemma-3-270m-it', title: 'Gemma 3 270M instruction-tuned (smallest, fastest)' },
];

export function modelPresets(cacheDir: string, registered: ModelSummary[], chosen: BackendName | null): ModelPreset[] {
  const cached = discoverCachedModels(cacheDir);
  return PRESETS.map(({ id, title }) => {
    const estimate = trainingEstimate(knownConfig(id)!);
    const parameters = estimate.weightsBytes / 4;
    const page = `${HUB_ENDPOINT()}/${id}`;
    const cachedPath = cached.find((m) => m.id === id && !m.unsupported)?.path ?? null;
    return {
      id,
      title,
      parameters,
      downloadBytes: parameters * 2,
      licence: `Gemma Terms of Use (https://ai.google.dev/gemma/terms). Gated: open ${page}, log in with the account your token belongs to and accept the licence before downloading.`,
      licenceUrl: page,
      memory: memoryFit(estimate, chosen),
      cachedPath,
      registeredId: registered.find((m) => m.hubId === id || m.path === cachedPath)?.id ?? null,
    };
  });
}
