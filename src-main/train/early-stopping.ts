/**
 * Early stopping on eval_loss with the semantics of transformers'
 * EarlyStoppingCallback: an evaluation counts as an improvement when it beats the
 * best so far by more than `threshold`; after `patience` evaluations in a row
 * without one, training stops.
 */
export interface EarlyStoppingState {
  best: number | null;
  bestStep: number | null;
  /** Evaluations in a row without improvement. */
  counter: number;
}

export const initialEarlyStopping = (): EarlyStoppingState => ({ best: null, bestStep: null, counter: 0 });

export function observeEvalLoss(
  state: EarlyStoppingState,
  evalLoss: number,
  step: number,
  settings: { patience: number; threshold: number },
): { state: EarlyStoppingState; improved: boolean; isBest: boolean; stop: boolean } {
  const isBest = state.best === null || evalLoss < state.best;
  const improved = state.best === null || (evalLoss < state.best && Math.abs(evalLoss - state.best) > settings.threshold);
  const counter = improved ? 0 : state.counter + 1;
  const next: EarlyStoppingState = {
    // Like the Trainer, "best model" tracks the lowest loss even when the gain is under the threshold.
    best: isBest ? evalLoss : state.best,
    bestStep: isBest ? step : state.bestStep,
    counter,
  };
  return { state: next, improved, isBest, stop: counter >= settings.patience };
}
