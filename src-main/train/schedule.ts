/**
 * Learning-rate schedules with the semantics of transformers' `get_scheduler`
 * (warmup steps = ceil(warmup_ratio x total steps), as TrainingArguments computes
 * them), so a run here and its exported Trainer job follow the same curve.
 */
export type SchedulerKind = 'cosine' | 'linear' | 'constant';

export function warmupSteps(totalSteps: number, warmupRatio: number): number {
  return Math.ceil(totalSteps * warmupRatio);
}

/** The multiplier of the peak learning rate at optimiser step `step` (0-based: the step about to be taken). */
export function lrFactor(kind: SchedulerKind, step: number, totalSteps: number, warmup: number): number {
  if (step < warmup) return step / Math.max(1, warmup);
  if (kind === 'constant') return 1;
  const progress = (step - warmup) / Math.max(1, totalSteps - warmup);
  if (kind === 'linear') return Math.max(0, 1 - progress);
  // cosine with num_cycles 0.5: from 1 down to 0 over the post-warmup steps
  return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
}

export function learningRateAt(kind: SchedulerKind, peak: number, step: number, totalSteps: number, warmupRatio: number): number {
  return peak * lrFactor(kind, step, totalSteps, warmupSteps(totalSteps, warmupRatio));
}
