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

/**
 * A finished poll job is kept this long so re-tracking the same id inside Aspose's 24-hour
 * retention window is a duplicate, not a second poll chain. A little over a day on purpose.
 */
export const FINISHED_POLL_RETENTION_SECONDS = 25 * 60 * 60;
