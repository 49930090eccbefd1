// @regionwatch/worker: one worker replica, and the pieces it is made of.

// Running a replica (what main.ts, the demo and other packages' tests start).
export { startWorker, type RunningWorker, type StartWorkerOptions } from './worker-runtime.js';
export { PrefixInUseError, purgePrefix, type PurgeReport } from './purge/purge-prefix.js';

// Polling: the regions-poll processor, how it handles a failed poll, and the results it builds.
export { createPollProcessor, MAX_INVALID_RESPONSES, type PollProcessorDeps } from './poll/poll-processor.js';
export { classifyPollFailure, type DelayBasis, type PollFailure } from './poll/classify-poll-failure.js';
export { expiredResult, malformedResponseResult, resultFromResponse, type ResultContext } from './poll/build-result.js';

// Delivery: the hand-off to the results queue and webhooks, and the regions-webhooks processor.
export { createHandOff, webhookEvent, type HandOffOptions } from './delivery/hand-off.js';
export { createWebhookProcessor, type DeliveryReceipt, type WebhookProcessorDeps } from './webhook/webhook-processor.js';
export { WEBHOOK_BACKOFF_TYPE, webhookRetryDelay } from './webhook/webhook-backoff.js';
export { assertPublicLiteral, guardedLookup, nonPublicRange } from './webhook/address-guard.js';
export { PrivateAddressError } from './webhook/private-address-error.js';
export { WebhookDeliveryError } from './webhook/webhook-delivery-error.js';
export { replayDeadLetters, type ReplayOutcome } from './replay/replay-dead-letters.js';

// Operating it: /healthz, /readyz, /metrics.
export { createHealthServer, type HealthDeps } from './health/health-server.js';
export { Readiness } from './health/readiness.js';
export { WorkerMetrics, type PollOutcome, type WebhookOutcome } from './metrics/worker-metrics.js';
