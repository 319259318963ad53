import { z } from 'zod';

/**
 * A training run's settings, validated with messages a person can act on. The
 * defaults are the seed's recipe (DESIGN.md) so results stay comparable with it.
 */
export const LORA_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];
export const RANK_CHOICES = [4, 8, 16, 32, 64] as const;

const positiveInt = (what: string) =>
  z.number({ error: `${what} must be a number` }).int(`${what} must be a whole number`).positive(`${what} must be at least 1`);

export const LoraSettings = z.object({
  r: positiveInt('LoRA rank r'),
  alpha: z.number({ error: 'LoRA alpha must be a number' }).positive('LoRA alpha must be greater than 0'),
  dropout: z.number().min(0, 'LoRA dropout must be between 0 and 1').lt(1, 'LoRA dropout must be less than 1'),
  targets: z
    .array(z.enum(LORA_TARGETS, { error: `target modules must be among ${LORA_TARGETS.join(', ')}` }))
    .min(1, 'choose at least one target module')
    .refine((t) => new Set(t).size === t.length, 'target modules are listed twice'),
});
export type LoraSettings = z.infer<typeof LoraSettings>;

export const TrainConfig = z
  .object({
    /** Base model folder (Hugging Face layout). */
    modelPath: z.string().min(1, 'choose a base model'),
    datasetId: z.number().int().positive('choose a dataset'),
    /** A stored split by name, or null for the dataset's own (file) splits. */
    split: z.string().min(1).nullable(),
    /** Continue training this PEFT adapter instead of starting from zeros. */
    startAdapterPath: z.string().min(1).nullable(),
    lora: LoraSettings,
    learningRate: z.number().positive('learning rate must be greater than 0').max(1, 'learning rate above 1 diverges'),
    epochs: z.number().positive('epochs must be greater than 0').max(1000),
    /** Stop after this many optimiser steps (null: run all epochs). */
    maxSteps: positiveInt('max steps').nullable(),
    batchSize: positiveInt('batch size').max(512, 'batch size above 512 does not fit any device'),
    gradAccumulation: positiveInt('gradient accumulation'),
    warmupRatio: z.number().min(0, 'warmup ratio must be between 0 and 1').lt(1, 'warmup ratio must be less than 1'),
    weightDecay: z.number().min(0, 'weight decay cannot be negative'),
    scheduler: z.enum(['cosine', 'linear', 'constant']),
    maxGradNorm: z.number().positive('max grad norm must be greater than 0'),
    maxLength: positiveInt('max length').min(32, 'max length below 32 tokens cannot hold a prompt and its SQL'),
    seed: z.number().int('seed must be a whole number').nonnegative('seed cannot be negative'),
    loggingSteps: positiveInt('logging interval'),
    evalSteps: positiveInt('evaluation interval'),
    saveSteps: positiveInt('checkpoint interval'),
    saveTotalLimit: positiveInt('checkpoints kept'),
    earlyStopping: z.object({
      enabled: z.boolean(),
      patience: positiveInt('early-stopping patience'),
      threshold: z.number().min(0, 'early-stopping threshold cannot be negative'),
    }),
    /** Also learn the row's explanation after the SQL (the seed's code did; doubles target length). */
    includeExplanation: z.boolean(),
    /** Evaluate on at most this many validation examples (null: all). */
    evalLimit: positiveInt('evaluation limit').nullable(),
  })
  .strict();
export type TrainConfig = z.infer<typeof TrainConfig>;

/** The seed's recipe, minus what depends on the user's choices (model, dataset). */
export const SEED_RECIPE: Omit<TrainConfig, 'modelPath' | 'datasetId'> = {
  split: null,
  startAdapterPath: null,
  lora: { r: 8, alpha: 16, dropout: 0.05, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] },
  learningRate: 2e-5,
  epochs: 3,
  maxSteps: null,
  batchSize: 1,
  gradAccumulation: 8,
  warmupRatio: 0.1,
  weightDecay: 0.01,
  scheduler: 'cosine',
  maxGradNorm: 1.0,
  maxLength: 512,
  seed: 42,
  loggingSteps: 10,
  evalSteps: 25,
  saveSteps: 50,
  saveTotalLimit: 3,
  earlyStopping: { enabled: true, patience: 3, threshold: 0.01 },
  includeExplanation: false,
  evalLimit: null,
};

/** The seed's sweep: one run per rank, everything else equal. */
export const SEED_SWEEP_RANKS = [4, 8, 16];
