// Glossary of terms: ./contract/glossary.ts
export { RegionwatchError } from './errors/regionwatch-error.js';
export { AsposeError, type AsposeErrorContext } from './errors/aspose-error.js';
export { AsposeAuthError } from './errors/aspose-auth-error.js';
export { AsposePermanentError, type PermanentReason } from './errors/aspose-permanent-error.js';
export { AsposeTransientError, type TransientReason } from './errors/aspose-transient-error.js';
export { RateBudgetExhaustedError } from './errors/rate-budget-exhausted-error.js';
export { RedisUnavailableError } from './errors/redis-unavailable-error.js';
export { RegionDecodeError } from './errors/region-decode-error.js';
export { describeIssues, listIssues, type InputIssue } from './validation/describe-issues.js';

export { ConfigError, type ConfigIssue } from './errors/config-error.js';
export { configSchema, type Config } from './config/config-schema.js';
export { describeConfig, loadConfig, requireAsposeCredentials } from './config/load-config.js';

export { createLogger, REDACTED_PATHS, type Logger } from './logger.js';
export { createRedisConnection, type ConnectionRole } from './redis-connection.js';

export {
  DEFAULT_RESULTS_QUEUE,
  FINISHED_POLL_RETENTION_SECONDS,
  HAND_OFF_DEDUPE_MS,
  JOB_NAMES,
  JOB_RETENTION,
  POLL_QUEUE,
  WEBHOOK_QUEUE,
} from './contract/queues.js';
export { regionSchema, type Region } from './contract/region.js';
export { isoDateSchema, MAX_METADATA_BYTES, metadataSchema, TASK_ID_PATTERN, taskIdSchema, webhookUrlSchema } from './contract/fields.js';
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

export { asposeErrorForStatus, type AsposeEndpoint } from './aspose/aspose-error-for-status.js';
export { networkErrorCode } from './http/network-error-code.js';
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
export { MAX_RETRY_AFTER_MS, parseRetryAfter } from './http/retry-after.js';
export { TokenProvider, type TokenProviderOptions } from './aspose/token-provider.js';

export { decodeRegions, encodeRegions, type ResultItem } from './regions/decode-regions.js';

export { RequestRateLimiter, rpsWindow } from './rate/request-rate-limiter.js';
export { deadlineAt, isPastDeadline, nextPollDelay, type DeadlineConfig, type ScheduleConfig } from './schedule/poll-schedule.js';
export { runService, type Service } from './run-service.js';
export { logRedisOutages } from './log-redis-outages.js';
export { redactUrl, redactUserInfo } from './redact-url.js';
