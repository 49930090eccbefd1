// Glossary of terms: ./contract/glossary.ts
export { RegionwatchError } from './errors.js';

export { ConfigError, type ConfigIssue } from './config/config-error.js';
export { configSchema, type Config } from './config/config-schema.js';
export { describeConfig, loadConfig, requireAsposeCredentials } from './config/load-config.js';

export { createLogger, REDACTED_PATHS, type Logger } from './logger.js';
export { createRedisConnection, type ConnectionRole } from './redis-connection.js';

export { DEFAULT_RESULTS_QUEUE, FINISHED_POLL_RETENTION_SECONDS, JOB_NAMES, POLL_QUEUE, WEBHOOK_QUEUE } from './contract/queues.js';
export { regionSchema, type Region } from './contract/region.js';
export {
  isoDateSchema,
  MAX_METADATA_BYTES,
  metadataSchema,
  POLL_KIND_PATTERN,
  pollKindSchema,
  TASK_ID_PATTERN,
  taskIdSchema,
  webhookUrlSchema,
} from './contract/fields.js';
export {
  pollJobDataSchema,
  pollJobSchema,
  pollProgressSchema,
  type PollJob,
  type PollJobData,
  type PollProgress,
} from './contract/poll-job.js';
export {
  RESULT_STATUSES,
  rawResultItemSchema,
  regionResultSchema,
  resultStatusSchema,
  type RegionResult,
  type ResultStatus,
} from './contract/region-result.js';
export { WEBHOOK_EVENT_TYPES, webhookEventSchema, webhookJobSchema, type WebhookEvent, type WebhookJob } from './contract/webhook-job.js';

export {
  AsposeAuthError,
  AsposeError,
  AsposePermanentError,
  AsposeTransientError,
  type PermanentReason,
  type TransientReason,
} from './aspose/aspose-errors.js';
export { networkErrorCode } from './aspose/http.js';
export {
  AsposeClient,
  createAsposeClient,
  parseOcrResponse,
  type AsposeClientOptions,
  type DetectRegionsSettings,
} from './aspose/aspose-client.js';
export {
  isTaskStatus,
  ocrResponseSchema,
  TASK_STATUSES,
  TERMINAL_TASK_STATUSES,
  type OcrResponse,
  type TaskStatus,
} from './aspose/ocr-response.js';
export { MAX_RETRY_AFTER_MS, parseRetryAfter } from './aspose/retry-after.js';
export { TokenProvider, type TokenProviderOptions } from './aspose/token-provider.js';

export { decodeRegions, encodeRegions, type ResultItem } from './regions/decode-regions.js';
export { RegionDecodeError } from './regions/region-decode-error.js';

export { RateBudgetExhaustedError, RequestRateLimiter, rpsWindow } from './rate/request-rate-limiter.js';
export { deadlineAt, isPastDeadline, nextPollDelay, type DeadlineConfig, type ScheduleConfig } from './schedule/poll-schedule.js';
export { pollingEnvShape } from './config/polling-env.js';
export { BUCKET_COUNT, bucketHigh, bucketLow, bucketOf, LAST_EDGE_MS } from './schedule/completion-buckets.js';
export {
  blendEstimate,
  CompletionEstimate,
  completionsIn,
  estimateFromHazards,
  type EstimateSource,
  type HazardHistogram,
} from './schedule/completion-estimate.js';
export {
  finishedIncrements,
  pendingIncrements,
  type BucketIncrement,
  type CompletionObservation,
  type PendingObservation,
} from './schedule/observation-increments.js';
export { PollPolicy, type PolicyParams } from './schedule/poll-policy.js';
export type { DecaySettings, LearnStore, RecordInput, StoredHistograms } from './schedule/learn-store.js';
export { MemoryLearnStore } from './schedule/memory-learn-store.js';
export { learnKeys, RedisLearnStore } from './schedule/redis-learn-store.js';
export {
  CompletionLearner,
  createCompletionLearner,
  createMemoryCompletionLearner,
  LEARNER_DEFAULTS,
  type CompletionLearnerOptions,
  type ObserveOutcome,
} from './schedule/completion-learner.js';
export {
  DEFAULT_JITTER,
  planNextPoll,
  POLL_STRATEGIES,
  priorityFor,
  PRIORITY_LEVELS,
  UNKNOWN_PRIORITY,
  type PlanBasis,
  type PlanConfig,
  type PlanInput,
  type PollPlan,
  type PollStrategy,
} from './schedule/plan-next-poll.js';
export { runService, type Service } from './run-service.js';
export { logRedisOutages } from './log-redis-outages.js';
export { redactUrl, redactUserInfo } from './redact-url.js';
