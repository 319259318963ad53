import type { EvaluationRecord, RunRecord } from '@api/contract';
import type { Screen } from '@api/screens';

/**
 * The first-run guide's steps - the seed's experiment as clicks - and when each
 * counts as done, from the store's runs and evaluations. Kept out of the component
 * so the rules are tested.
 */
export interface GuideStep {
  screen: Screen;
  title: string;
  what: string;
  done: (progress: { runs: RunRecord[]; evaluations: EvaluationRecord[] }) => boolean;
  intent?: 'quick-sweep';
}

const completed = (e: EvaluationRecord) => e.status === 'completed';

export const GUIDE_STEPS: GuideStep[] = [
  { screen: 'datasets', title: 'Look at the data', what: 'complexity, domains, lengths and whether every gold query runs in SQLite', done: () => false },
  {
    screen: 'evaluate',
    title: 'Evaluate the base model',
    what: 'the baseline: generate SQL for the test part and run it',
    // Imported predictions have no run either, but no dataset: they are not the baseline.
    done: ({ evaluations }) => evaluations.some((e) => e.runId === null && e.datasetId !== null && completed(e)),
  },
  {
    screen: 'train',
    title: 'Train LoRA at ranks 4, 8 and 16',
    what: "the seed's sweep, scaled to the small model (a few minutes each on a CPU)",
    done: ({ runs }) => runs.some((r) => r.kind === 'trained' && r.status === 'completed'),
    intent: 'quick-sweep',
  },
  { screen: 'evaluate', title: 'Evaluate each run', what: 'pick its adapter and evaluate it on the same test part', done: ({ evaluations }) => evaluations.some((e) => e.runId !== null && completed(e)) },
  { screen: 'compare', title: 'Compare', what: 'BLEU, ROUGE, exact match and execution accuracy side by side, with the curves', done: () => false },
];
