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
 * How long finished jobs stay in each queue: BullMQ's `removeOnComplete` / `removeOnFail` (ages in
 * seconds; removal is lazy). The one place these periods are set; producers, the worker and the
 * hand-off all add jobs with them. A finished task's duplicate window is its task record (25 h,
 * `TASK_RECORD_TTL_MS`), not a kept job: a completed poll job is removed at once.
 */
export const JOB_RETENTION = {
  /**
   * Completed: removed at once (`count: 0`, what `true` means; a worker option accepts only this form),
   * the task record stands for it. Failed (bad data, unexpected errors): a week, to look into.
   */
  poll: { removeOnComplete: { count: 0 }, removeOnFail: { age: 7 * DAY_SECONDS } },
  /**
   * A consumed result for an hour (enough to look at it; a repeated hand-off never adds it again, the
   * task record says it was handed on); one whose consumer failed for a week.
   */
  results: { removeOnComplete: { age: HOUR_SECONDS }, removeOnFail: { age: 7 * DAY_SECONDS } },
  /**
   * Delivered webhooks (with their receipt) for 25 hours, as long as the task record (so the dashboard's
   * task page shows the delivery as long as it shows the task; each costs about 2 KB, the whole event —
   * a week of them was 7× that per daily task); dead letters until replayed or cleaned by an operator.
   */
  webhooks: { removeOnComplete: { age: 25 * HOUR_SECONDS }, removeOnFail: false },
} as const satisfies Record<string, { removeOnComplete: { age: number } | { count: 0 }; removeOnFail: { age: number } | false }>;
