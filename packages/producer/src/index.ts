export { buildPollJob, MAX_FUTURE_SKEW_MS, type TrackOptions } from './build-poll-job.js';
export { imageSizeKind } from './image-size-kind.js';
export { InvalidTrackRequestError } from './invalid-track-request-error.js';
export { pollJobOptions } from './poll-job-options.js';
export {
  RedisUnavailableError,
  RegionTaskProducer,
  type RegionTaskProducerOptions,
  type TrackManyItem,
  type TrackManyOutcome,
  type TrackResult,
} from './region-task-producer.js';
