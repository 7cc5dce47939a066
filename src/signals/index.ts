/**
 * signals/'s public entry: delivery outcomes (the record, the Postfix and KumoMTA log parsers, the
 * provider groups), the outcome store behind /status and /metrics, batch validation for
 * `POST /api/signals`, and the log follower of `mxlb signals follow`.
 */
export { OUTCOME_SOURCES, OUTCOME_STATUSES, PROVIDER_GROUPS, recipientDomain, type LogOutcome, type Outcome, type OutcomeSource, type OutcomeStatus, type ProviderGroup } from './outcome.ts';
export { classifyDomain, classifyMx, DEFAULT_MX_SUFFIXES, DEFAULT_PROVIDERS, providerTable, type ProviderTable } from './providers.ts';
export { parsePostfixLine, type PostfixOutcome, type PostfixParseOptions } from './postfix-log.ts';
export { kumoRecord, parseKumoLine, type KumoOutcome } from './kumomta-log.ts';
export { BUCKET_MS, BUCKETS, emptyCounts, OutcomeStore, type OutcomeTotal, type StatusCounts, type StatusSeries } from './outcome-store.ts';
export { BatchLedger, MAX_OUTCOMES, validateBatch, type BatchContext, type BatchProblem, type BatchResult } from './batch.ts';
export { LogReader, type LogChunk, type LogPosition, type ReadLimits } from './log-reader.ts';
export { parseArf, type ArfReport } from './arf.ts';
export { twoProportionZ, twoSidedP, wilson, percentile, Z95, type Interval, type ZTest } from './ab-stats.ts';
export { addOutcome, comparisonLine, DEFAULT_ALPHA, DEFAULT_MIN_SAMPLE, emptyTally, experimentReport, isThrottled, pct, pValue, type ArmReport, type ArmTally, type Attribution, type Comparison, type ExperimentReport, type Rate, type Verdict } from './ab-report.ts';
export { parsePostfixClient, QueueClients, DEFAULT_QUEUE_CLIENTS, type PostfixClient } from './postfix-clients.ts';
