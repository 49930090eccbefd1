import { JOB_RETENTION, type PollJob } from '@regionwatch/core';
import type { JobsOptions } from 'bullmq';

/**
 * Options every poll job is added with. The job id is the task id (dedupe by construction); a
 * finished job is removed at once (JOB_RETENTION): its task record keeps a re-track inside Aspose's
 * retention window a duplicate. `attempts` budgets only unexpected errors: polls and Aspose failures
 * are delays, not attempts.
 */
export function pollJobOptions(job: PollJob, initialDelayMs: number): JobsOptions {
  return {
    jobId: job.taskId,
    delay: initialDelayMs,
    attempts: 10,
    backoff: { type: 'exponential', delay: 1_000 },
    ...JOB_RETENTION.poll,
  };
}
