/** Queue names of the public contract (the results queue's name comes from `RESULTS_QUEUE`). */
export const POLL_QUEUE = 'regions-poll';
export const WEBHOOK_QUEUE = 'regions-webhooks';
export const DEFAULT_RESULTS_QUEUE = 'regions-results';

/** Job names inside those queues (BullMQ requires one; consumers may ignore it). */
export const JOB_NAMES = {
  poll: 'poll',
  result: 'result',
  webhook: 'webhook',
} as const;

const HOUR_SECONDS = 60 * 60;
const DAY_SECONDS = 24 * HOUR_SECONDS;

/**
 * A finished poll job is kept this long so re-tracking the same id inside Aspose's 24-hour
 * retention window is a duplicate, not a second poll chain. A little over a day on purpose.
 */
export const FINISHED_POLL_RETENTION_SECONDS = 25 * HOUR_SECONDS;

/**
 * How long an id stays "already handed on" (results and webhook jobs' deduplication key), even after
 * a consumer removed its job: longer than Aspose keeps results, so a crash-and-rerun of the poll job
 * can never deliver twice.
 */
export const HAND_OFF_DEDUPE_MS = 25 * HOUR_SECONDS * 1000;

/**
 * How long finished jobs stay in each queue: BullMQ's `removeOnComplete` / `removeOnFail` (ages in
 * seconds; removal is lazy). The one place these periods are set; producers, the worker and the
 * hand-off all add jobs with them.
 */
export const JOB_RETENTION = {
  /** Completed: see FINISHED_POLL_RETENTION_SECONDS. Failed (only unexpected errors): a week, to look into. */
  poll: { removeOnComplete: { age: FINISHED_POLL_RETENTION_SECONDS }, removeOnFail: { age: 7 * DAY_SECONDS } },
  /** A consumed result for a day; one whose consumer failed for a week. */
  results: { removeOnComplete: { age: DAY_SECONDS }, removeOnFail: { age: 7 * DAY_SECONDS } },
  /** Delivered webhooks (with their receipt) for a week; dead letters until replayed or cleaned by an operator. */
  webhooks: { removeOnComplete: { age: 7 * DAY_SECONDS }, removeOnFail: false },
} as const satisfies Record<string, { removeOnComplete: { age: number }; removeOnFail: { age: number } | false }>;
