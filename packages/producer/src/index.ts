// @regionwatch/producer: what upstream services call to hand Aspose task ids to regionwatch.

// The producer: track, trackMany, submit, waitUntilReady, close; fromConfig() reads the environment.
export {
  RegionTaskProducer,
  type RegionTaskProducerOptions,
  type TrackManyItem,
  type TrackManyOutcome,
  type TrackResult,
} from './region-task-producer.js';
export { loadProducerConfig, type ProducerConfig } from '@regionwatch/core';

// Errors a caller may catch (the same classes as in @regionwatch/core, so one import is enough).
export { InvalidTrackRequestError } from './invalid-track-request-error.js';
export { ConfigError, RedisUnavailableError } from '@regionwatch/core';

// Building poll jobs yourself, e.g. to add them in bulk (the benchmark does).
export { buildPollJob, MAX_FUTURE_SKEW_MS, type TrackOptions } from './build-poll-job.js';
export { imageSizeKind } from './image-size-kind.js';
export { pollJobOptions } from './poll-job-options.js';
