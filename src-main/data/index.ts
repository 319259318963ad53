/**
 * Datasets: import of text-to-SQL files (CSV/TSV, JSON, JSONL, Parquet) with presets
 * and column mapping, validation report, seeded splits, and the seed's twelve EDA views.
 */
export { CsvParser, CsvSyntaxError } from './csv';
export { DataFileError, detectFormat, readRecords } from './source';
export { PRESETS, detectPreset, loadSpiderSchemas, spiderSchemaSql } from './presets';
export { DataImportError, describeIssue, importDataset, splitFromFileName, type ImportOptions, type ImportResult } from './import';
export { deleteDataset, getDataset, listDatasets, listSplits, previewExamples, resolveDataset, splitMembers } from './records';
export { assignParts, createSplit, partCounts } from './splits';
export { seededRandom } from '../train/batching';
export { computeEda, integerHistogram, quantile, summaryStats, type CountTokens, type EdaRow, type EdaViews } from './eda';
export { datasetRows, loadViews, runDatasetEda, saveViews } from './analysis';
export { ValidityChecker, classifyError } from './validity';
export { contextTables, sqlKeywords, SQL_KEYWORDS } from './sql-text';
export { GEMMA_TOKENIZER_NAME, loadTokenCounter } from './tokenizer';
export { viewToCsv } from './export';
