// @regionwatch/producer: what upstream services call to hand Aspose task ids to regionwatch.

// The producer: track, trackMany, submit, status, waitForResult, untrack, waitUntilReady, close; fromConfig() reads the environment.
export {
  DEFAULT_WAIT_TIMEOUT_MS,
  RegionTaskProducer,
  type RegionTaskProducerOptions,
  type SubmitOptions,
  type WaitOptions,
  type TrackManyItem,
  type TrackManyOutcome,
  type TrackResult,
  type UntrackOptions,
  type UntrackResult,
} from './region-task-producer.js';
export { loadProducerConfig, type ProducerConfig } from '@regionwatch/core';
// The polling variables the producer places a learned first poll by (option `polling`), picked from a config.
export { firstPollSettingsOf, type FirstPollSettings } from './first-poll-planner.js';

// Errors a caller may catch (the same classes as in @regionwatch/core, so one import is enough).
export { InvalidTrackRequestError } from './invalid-track-request-error.js';
export { ResultTimeoutError } from './result-timeout-error.js';
export { TaskNotTrackedError } from './task-not-tracked-error.js';

// What status() answers.
export type { TaskStatus, WebhookDeliveryStatus } from './task-status.js';
export { ConfigError, RedisUnavailableError } from '@regionwatch/core';

// Building poll jobs yourself, e.g. to add them in bulk (the benchmark does).
export { buildPollJob, MAX_FUTURE_SKEW_MS, type TrackOptions } from './build-poll-job.js';
export { imageSizeKind } from './image-size-kind.js';
export { pollJobOptions } from './poll-job-options.js';
