/** Evaluation: extraction, the seed's metrics, the SQL sandbox, execution accuracy, error tags and intervals. */
export { bootstrapIntervals } from './bootstrap';
export { changesData, classifyError, classifyGold, executionOutcome, type ExecutionOutcome, type GoldStatus, goldShape, sameResult, sameState } from './execution';
export { extractSql, type ExtractedSql, hasNonLatinText, type OutputIssue, seedExtract, splitStatements } from './extract';
export { bleuFromStats, bleuStats, corpusBleu, exactMatch, normalizeSql, rouge, rougeLsum, tokenize13a } from './metrics';
export { type SandboxOptions, type SandboxResult, SqlSandbox, type TableState } from './sandbox';
export { type ErrorTag, type GroupScores, type ScoredPrediction, type ScoreExample, type ScoreIntervals, type ScoreSummary, scorePredictions } from './score';
