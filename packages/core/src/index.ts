// @regionwatch/core: what every regionwatch package shares. The words it uses: ./contract/glossary.ts

// Errors. Every error thrown on purpose extends RegionwatchError, with a stable `code` to match on.
export { RegionwatchError } from './errors/regionwatch-error.js';
export { ConfigError, type ConfigIssue } from './errors/config-error.js';
export { RedisUnavailableError } from './errors/redis-unavailable-error.js';
export { RedisFullError } from './errors/redis-full-error.js';
export { AsposeError, type AsposeErrorContext } from './errors/aspose-error.js';
export { AsposeTransientError, type TransientReason } from './errors/aspose-transient-error.js';
export { AsposeAuthError } from './errors/aspose-auth-error.js';
export { AsposePermanentError, type PermanentReason } from './errors/aspose-permanent-error.js';
export { RateBudgetExhaustedError } from './errors/rate-budget-exhausted-error.js';
export { AsposePausedError } from './errors/aspose-paused-error.js';
export { RegionDecodeError } from './errors/region-decode-error.js';
export { describeIssues, listIssues, type InputIssue } from './validation/describe-issues.js';
export { boundMessages, TEXT_LIMITS, truncateText } from './text/bounded-text.js';

// Configuration. Each process parses only its own variables, once, at start-up; every variable and
// its default is defined once (config/variables.ts) and composed into the per-process schemas.
export { workerConfigSchema, loadWorkerConfig, type WorkerConfig } from './config/worker-config.js';
export { dashboardConfigSchema, loadDashboardConfig, type DashboardConfig } from './config/dashboard-config.js';
export {
  loadProducerConfig,
  loadTrackConfig,
  producerConfigSchema,
  trackConfigSchema,
  type ProducerConfig,
  type TrackConfig,
} from './config/producer-config.js';
export { loadReplayConfig, replayConfigSchema, type ReplayConfig } from './config/replay-config.js';
export { demoConfigSchema, loadDemoConfig, type DemoConfig } from './config/demo-config.js';
export { configSchema, type Config } from './config/config-schema.js';
export { MIN_DASHBOARD_PASSWORD_LENGTH, parseHost, type ParsedHost } from './config/dashboard-env.js';
export { MAX_WEBHOOK_SECRETS, webhookEnvShape, webhookRetrySchedule, webhookScheduleInOneForm } from './config/webhook-env.js';
export {
  DEFAULT_WEBHOOK_RETRY_SCHEDULE,
  formatDuration,
  legacyRetrySchedule,
  MAX_RETRY_DELAY_MS,
  MAX_SCHEDULED_RETRIES,
  parseDuration,
  parseRetrySchedule,
  scheduleSpan,
  type ParsedSchedule,
} from './webhooks/retry-schedule.js';
export { describeConfig, loadConfig, requireAsposeCredentials } from './config/load-config.js';
export { parseEnv } from './config/parse-env.js';
export { VARIABLE_NAMES, variables, type VariableName } from './config/variables.js';

// Where Redis is: standalone, Sentinel or Cluster, from the REDIS_* variables (one mode at a time).
export { DEFAULT_REDIS_URL, parseHostPort, REDIS_VARIABLE_NAMES, redisEnvShape, type HostPort } from './config/redis-env.js';
export {
  describeRedisTarget,
  redisSettingsIssues,
  redisTargetFrom,
  type RedisSettings,
  type RedisTarget,
  type TlsSettings,
} from './redis/redis-target.js';
export { hashTagOf } from './redis/hash-tag.js';
export { pipelineGroups } from './redis/pipeline-groups.js';

// The queue contract: queue and job names, how long jobs are kept, and the payload schemas.
export { DEFAULT_RESULTS_QUEUE, JOB_NAMES, JOB_RETENTION, POLL_QUEUE, WEBHOOK_QUEUE } from './contract/queues.js';
export {
  CLUSTER_SLOTS,
  keySlotOf,
  MAX_POLL_SHARDS,
  pollShardLabel,
  pollShardOfTask,
  pollShardPrefix,
  pollShards,
  shardOfTask,
  shardSlotRange,
  taskIdOfWebhookJob,
  webhookShardLabel,
  webhookShardOfJob,
  type PollShard,
} from './contract/poll-shards.js';
export {
  isoDateSchema,
  MAX_METADATA_BYTES,
  MAX_WEBHOOK_URL_LENGTH,
  metadataSchema,
  POLL_KIND_PATTERN,
  pollKindSchema,
  TASK_ID_PATTERN,
  taskIdSchema,
  webhookUrlSchema,
} from './contract/fields.js';
export {
  MAX_TRACKING_ID_LENGTH,
  MAX_WEBHOOK_DESTINATIONS,
  pollJobDataSchema,
  pollJobSchema,
  type PollJob,
  type PollJobData,
} from './contract/poll-job.js';
export {
  appendHistory,
  historySchema,
  MAX_HISTORY,
  NO_PROGRESS,
  pollProgressSchema,
  readProgress,
  type PollProgress,
  type StatusHistory,
} from './contract/poll-progress.js';

// Task records: a decided task's result and hand-off state, the duplicate window after it finished.
export {
  destinationsSchema,
  recordBodyFor,
  resultFromRecord,
  TASK_RECORD_TTL_MS,
  taskRecordBodySchema,
  withExtraWebhooks,
  type Destinations,
  type HandOffTarget,
  type TaskRecord,
  type TaskRecordBody,
} from './task-record/task-record.js';
export { decidedChannel, TaskRecordStore, type DecideOutcome } from './task-record/task-record-store.js';
export { recordPayload } from './task-record/record-encoding.js';
export { regionSchema, type Region } from './contract/region.js';
export {
  RESULT_STATUSES,
  rawResultItemSchema,
  regionResultSchema,
  resultStatusSchema,
  type RegionResult,
  type ResultStatus,
} from './contract/region-result.js';
export {
  WEBHOOK_EVENT_TYPES,
  webhookEventSchema,
  webhookJobId,
  webhookJobSchema,
  type WebhookEvent,
  type WebhookJob,
} from './contract/webhook-job.js';
export {
  DELIVERY_END_REASONS,
  HOLD_REASONS,
  webhookDeliveryStateSchema,
  type DeliveryEndReason,
  type HoldReason,
  type WebhookDeliveryState,
} from './contract/webhook-delivery-state.js';

// Webhook endpoints: what a delivery's endpoint is, where its breaker and line live in Redis, and how
// operators read its health (the worker's metrics and the dashboard).
export { endpointIndexKeys, endpointKeys, endpointOf, endpointStatePrefixes, type EndpointKeys } from './webhooks/endpoint-keys.js';
export {
  BREAKER_STATES,
  listEndpointHealth,
  MAX_ENDPOINTS_READ,
  readEndpointHealth,
  type BreakerState,
  type EndpointHealth,
} from './webhooks/endpoint-health.js';

// Aspose OCR Cloud: the client, the answers it accepts, and how an HTTP status becomes an error.
export {
  AsposeClient,
  createAsposeClient,
  parseOcrResponse,
  type AsposeClientOptions,
  type AsposeConfig,
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
export { asposeErrorForStatus, type AsposeEndpoint } from './aspose/aspose-error-for-status.js';
export { OCR_RESPONSE_LIMITS } from './aspose/ocr-response.js';
export { TOKEN_FAILURE_MEMORY_MS, TOKEN_LIFETIME_BOUNDS_MS, TokenProvider, type TokenProviderOptions } from './aspose/token-provider.js';
export { decodeRegions, encodeRegions, type ResultItem } from './regions/decode-regions.js';

// HTTP helpers shared by the Aspose client and the webhook sender.
export { networkErrorCode } from './http/network-error-code.js';
export { MAX_RETRY_AFTER_MS, parseRetryAfter } from './http/retry-after.js';
export { timeoutSignal } from './http/timeout-signal.js';

// Polling: when to ask again, when to give up, and the request budget shared by every replica.
export { deadlineAt, isPastDeadline, nextPollDelay, type DeadlineConfig, type ScheduleConfig } from './schedule/poll-schedule.js';
export { ARRIVAL_MARGIN_MS, RATE_SLOT_WAIT_MS, RequestRateLimiter, rpsWindow } from './rate/request-rate-limiter.js';
export { SharedPause, type SharedPauseOptions } from './rate/shared-pause.js';
export { requestGate } from './rate/request-gate.js';

// Adaptive polling: completion times learned per kind (shared through Redis) and the schedule built on them.
export { POLL_PLAN_VARIABLE_NAMES, pollingEnvShape } from './config/polling-env.js';
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
export { agedPriority, agingPromotionsFor, MAX_AGING_PROMOTIONS, PROMOTION_COUNTER_SPAN } from './schedule/aged-priority.js';

// Running a process: its life cycle, logs, Redis connections, and what may not reach a log.
export { runService, type Service } from './run-service.js';
export { createLogger, type Logger } from './logger.js';
export {
  assertPrefixFitsConnection,
  createRedisConnection,
  isClusterClient,
  isRedisClient,
  type ConnectionRole,
  type RedisClient,
  type RedisConnectionInput,
} from './redis-connection.js';
export { logRedisOutages } from './log-redis-outages.js';
export { waitForRedis } from './wait-for-redis.js';
export { RedisOutageLog, type RedisOutageLogOptions } from './redis-outage-log.js';
export { redisErrorKind, type RedisErrorKind } from './redis-error-kind.js';
export { MAX_REDACTED_URL_LENGTH, REDACTED, redactUrl, redactUrlsDeep, redactUrlsIn, redactUserInfo } from './redact-url.js';

// Command-line tools: the same argument handling in every CLI.
export { parseCommandLine } from './cli/parse-command-line.js';
