import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiError, describeZodError } from '../api/contract';
import type { RawExample } from '../engine/protocol';
import { formatExample } from '../model/prompt';
import { ChatTokenizer } from '../model/tokenizer';
import { TrainConfig } from '../train/config';
import { APP_VERSION } from '../services/version';
import { ACCELERATE_CONFIGS, renderReadme, REQUIREMENTS } from './files';

/**
 * Export a run as a job for the established distributed stack (transformers + PEFT +
 * accelerate): the splits already tokenised by the same `formatExample` as the in-app
 * trainer, the recipe as job.json, a Trainer script that reads it, accelerate
 * configs, pinned requirements and a README. The script's output folder is what
 * `sqlora import-run` reads back (DESIGN.md decision 9).
 */

export const JOB_FORMAT = 'sqlora-export-job';
export const JOB_VERSION = 1;

/** One JSONL line: text for re-tokenising, ids/labels for using exactly what the app trains on. */
export interface ExportedLine {
  prompt: string;
  completion: string;
  input_ids: number[];
  labels: number[];
}

export interface SplitCounts {
  /** Lines written. */
  examples: number;
  /** Prompts longer than max length: left out, as the in-app trainer does. */
  dropped: number;
  /** Responses cut at max length (kept, with the cut ids). */
  truncated: number;
  tokens: number;
}

export interface ExportOptions {
  config: unknown;
  train: RawExample[];
  validation: RawExample[];
  outDir: string;
  /** What the script loads as the base model on the cluster (a Hub id or a path there); default: the config's model folder. */
  baseModel?: string;
  /** Written into job.json for the record. */
  runId?: number | null;
  runName?: string | null;
}

export interface ExportResult {
  outDir: string;
  files: string[];
  train: SplitCounts;
  validation: SplitCounts;
}

/** Where the Python/YAML templates live: beside this file in the source tree (also from the bundled out/main). */
const templatesDir = (): string => join(fileURLToPath(new URL('../../', import.meta.url)), 'src-main', 'export', 'templates');

export function readTemplate(name: string): string {
  const path = join(templatesDir(), name);
  if (!existsSync(path)) throw new ApiError('failed', `The export template ${path} is missing from this installation.`, { file: path });
  return readFileSync(path, 'utf8');
}

/** The config, validated with the trainer's own schema so an export never carries a recipe the app would refuse. */
export function validateExportConfig(config: unknown): TrainConfig {
  const parsed = TrainConfig.safeParse(config);
  if (!parsed.success) throw new ApiError('invalid_input', `The training config cannot be exported: ${describeZodError(parsed.error)}`, { issues: parsed.error.issues.map((i) => i.path.join('.')) });
  return parsed.data;
}

function encodeSplit(tokenizer: ChatTokenizer, rows: RawExample[], config: TrainConfig): { lines: ExportedLine[]; counts: SplitCounts } {
  const counts: SplitCounts = { examples: 0, dropped: 0, truncated: 0, tokens: 0 };
  const endText = '<end_of_turn>';
  const lines: ExportedLine[] = [];
  for (const row of rows) {
    const f = formatExample(tokenizer, row, { maxLength: config.maxLength, includeExplanation: config.includeExplanation });
    if (!f) {
      counts.dropped += 1;
      continue;
    }
    if (f.truncated) counts.truncated += 1;
    // Both halves are decoded from the kept ids, so a cut schema context reads as what is trained on.
    const prompt = tokenizer.decode(f.inputIds.slice(0, f.promptLength), false);
    const completion = tokenizer.decode(f.inputIds.slice(f.promptLength), false);
    if (!completion.endsWith(endText)) {
      throw new ApiError('failed', `The tokenizer in ${tokenizer.dir} does not end a turn with ${endText}; it is not a Gemma 3 chat tokenizer.`);
    }
    lines.push({ prompt, completion, input_ids: f.inputIds, labels: f.labels });
    counts.examples += 1;
    counts.tokens += f.inputIds.length;
  }
  return { lines, counts };
}

/** A copy of the starting adapter, so the folder is self-contained on a machine without this one's paths. */
function copyAdapter(from: string, to: string): void {
  if (!existsSync(join(from, 'adapter_config.json'))) throw new ApiError('invalid_input', `The starting adapter ${from} has no adapter_config.json.`, { file: join(from, 'adapter_config.json') });
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    if (name === 'adapter_config.json' || name.startsWith('adapter_model.')) copyFileSync(join(from, name), join(to, name));
  }
}

function refuseForeignFolder(outDir: string): void {
  const stat = statSync(outDir, { throwIfNoEntry: false });
  if (!stat) return;
  if (!stat.isDirectory()) throw new ApiError('invalid_input', `${outDir} exists and is not a folder.`, { file: outDir });
  // Overwriting an earlier export is fine; anything else may be the user's work.
  if (readdirSync(outDir).length && !existsSync(join(outDir, 'job.json'))) {
    throw new ApiError('conflict', `${outDir} is not empty and holds no earlier export (no job.json); choose an empty or new folder.`, { file: outDir });
  }
}

export function exportJob(options: ExportOptions): ExportResult {
  const config = validateExportConfig(options.config);
  const outDir = resolve(options.outDir);
  if (!options.train.length) throw new ApiError('invalid_input', 'The train split has no examples: nothing to export.');
  if (!existsSync(join(config.modelPath, 'tokenizer.json'))) {
    throw new ApiError('not_found', `The base model folder ${config.modelPath} has no tokenizer.json: the export tokenises with the model's own tokenizer and chat template.`, { file: config.modelPath });
  }
  refuseForeignFolder(outDir);
  const tokenizer = ChatTokenizer.load(config.modelPath);
  const train = encodeSplit(tokenizer, options.train, config);
  const validation = encodeSplit(tokenizer, options.validation, config);
  if (!train.lines.length) throw new ApiError('invalid_input', `No training example fits max length ${config.maxLength} tokens (${train.counts.dropped} prompts are longer).`);

  // Written into a sibling temp folder and swapped in, so a failed export never leaves half a job.
  const tmp = `${outDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'data'), { recursive: true });
  mkdirSync(join(tmp, 'accelerate'), { recursive: true });
  const files: string[] = [];
  const write = (name: string, text: string) => {
    writeFileSync(join(tmp, name), text);
    files.push(name);
  };
  const jsonl = (lines: ExportedLine[]) => lines.map((l) => JSON.stringify(l)).join('\n') + (lines.length ? '\n' : '');

  try {
    write('data/train.jsonl', jsonl(train.lines));
    write('data/validation.jsonl', jsonl(validation.lines));
    let startAdapter: string | null = null;
    if (config.startAdapterPath) {
      copyAdapter(config.startAdapterPath, join(tmp, 'start_adapter'));
      startAdapter = 'start_adapter';
      files.push('start_adapter/');
    }
    const job = {
      format: JOB_FORMAT,
      version: JOB_VERSION,
      app_version: APP_VERSION,
      created_at: new Date().toISOString(),
      run: { id: options.runId ?? null, name: options.runName ?? null },
      base_model: options.baseModel ?? config.modelPath,
      // The app's model folder, kept for the record: the cluster usually has its own copy or a Hub id.
      local_model_path: config.modelPath,
      start_adapter: startAdapter,
      config,
      tokenizer: {
        bos_token_id: tokenizer.tokenId('<bos>') ?? null,
        pad_token_id: tokenizer.tokenId('<pad>') ?? 0,
        end_of_turn_id: tokenizer.endOfTurnId() ?? null,
      },
      data: {
        train: { path: 'data/train.jsonl', ...train.counts },
        validation: { path: 'data/validation.jsonl', ...validation.counts },
      },
    };
    write('job.json', `${JSON.stringify(job, null, 2)}\n`);
    write('train.py', readTemplate('train.py'));
    for (const [name, text] of Object.entries(ACCELERATE_CONFIGS)) write(`accelerate/${name}`, text);
    write('requirements.txt', REQUIREMENTS);
    write('README.md', renderReadme({ config, baseModel: job.base_model, train: train.counts, validation: validation.counts, folder: basename(outDir) }));

    rmSync(outDir, { recursive: true, force: true });
    renameSync(tmp, outDir);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  return { outDir, files, train: train.counts, validation: validation.counts };
}
