// @regionwatch/worker: one worker replica, and the pieces it is made of.

// Running a replica (what main.ts, the demo and other packages' tests start).
export { startWorker, type RunningWorker, type StartWorkerOptions } from './worker-runtime.js';
export { PrefixInUseError, purgePrefix, type PurgeReport } from './purge/purge-prefix.js';

// Polling: the regions-poll processor, how it handles a failed poll, and the results it builds.
export {
  createPollProcessor,
  HAND_OFF_RETRY_MS,
  LAST_POLL_GRACE_MS,
  type PollProcessorDeps,
  type PollReturn,
} from './poll/poll-processor.js';
export {
  classifyPollFailure,
  DEFAULT_THROTTLE_PAUSE_MS,
  type DelayBasis,
  type PollFailure,
  type UpstreamProblem,
} from './poll/classify-poll-failure.js';
export { isJobNoLongerOurs, rescheduleJobIn, type RescheduleJob } from './poll/reschedule-job.js';
export { expiredResult, malformedResponseResult, resultFromResponse, type ResultContext } from './poll/build-result.js';

// Delivery: the hand-off to the results queue and webhooks, and the regions-webhooks processor.
export {
  createHandOff,
  webhookEvent,
  webhookJobId,
  type HandOff,
  type HandOffInput,
  type HandOffOptions,
  type HandOffOutcome,
} from './delivery/hand-off.js';
export { failUnreadableActiveJobs, isUnreadableJobError } from './jobs/fail-unreadable-jobs.js';
export { createWebhookProcessor, type DeliveryReceipt, type WebhookProcessorDeps } from './webhook/webhook-processor.js';
export { UNEXPECTED_ERROR_ATTEMPTS, unexpectedErrorDelay, WEBHOOK_BACKOFF_TYPE, webhookJobOptions } from './webhook/webhook-job-options.js';
export { MAX_HOLD_SLEEP_MS, planRetry, startDelivery, type RetryPlan } from './webhook/retry-plan.js';
export { WebhookSigner } from './webhook/webhook-signer.js';
export {
  ATTEMPT_OUTCOMES,
  classifyNetworkError,
  classifyResponse,
  type AttemptOutcome,
  type DeliveryClassification,
} from './webhook/classify-delivery.js';
export {
  BREAKER_THRESHOLD,
  EndpointBreaker,
  endpointShardWindow,
  GRANT_TTL_MS,
  MAX_PROBE_INTERVAL_MS,
  type Admission,
  type EndpointSettings,
  type EndpointShard,
  type RateWindow,
  type Report,
  type Verdict,
} from './webhook/endpoint-breaker.js';
export { EndpointScheduler, type EndpointSchedulerDeps } from './webhook/endpoint-scheduler.js';
export { assertPublicLiteral, guardedLookup, nonPublicRange } from './webhook/address-guard.js';
export { PrivateAddressError } from './webhook/private-address-error.js';
export { parseReplayTime, replayDeadLetters, type DeadLetterSelection, type ReplayOutcome } from './replay/replay-dead-letters.js';
export { webhookQueues, type WebhookQueues } from './webhook/webhook-queues.js';

// Operating it: /healthz, /readyz, /metrics.
export { createHealthServer, type HealthDeps } from './health/health-server.js';
export { Readiness } from './health/readiness.js';
export { SPELL_TASKS, UpstreamHealth } from './health/upstream-health.js';
export { ResultsBacklogWatch, type ResultsBacklogOptions } from './metrics/results-backlog.js';
export {
  endpointLabel,
  NAMED_ENDPOINTS,
  OTHER_ENDPOINTS,
  WorkerMetrics,
  type PollOutcome,
  type WebhookOutcome,
} from './metrics/worker-metrics.js';
