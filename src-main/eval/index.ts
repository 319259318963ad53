/** Evaluation: extraction, the seed's metrics, the SQL sandbox, execution accuracy and error categories. */
export { classifyGold, executionOutcome, type ExecutionOutcome, type GoldStatus, hasOrderBy, sameResult } from './execution';
export { extractSql, type ExtractedSql, type OutputIssue, seedExtract, splitStatements } from './extract';
export { corpusBleu, exactMatch, normalizeSql, rouge, tokenize13a } from './metrics';
export { type SandboxOptions, type SandboxResult, SqlSandbox } from './sandbox';
export { type ScoredPrediction, type ScoreExample, type ScoreSummary, scorePredictions } from './score';
