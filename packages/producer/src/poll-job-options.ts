import { FINISHED_POLL_RETENTION_SECONDS, type PollJob } from '@regionwatch/core';
import type { JobsOptions } from 'bullmq';

/**
 * Options every poll job is added with. The job id is the task id (dedupe by construction);
 * finished jobs stay > 24 h so a re-track inside Aspose's retention window is a duplicate.
 * `attempts` budgets only unexpected errors: polls and Aspose failures are delays, not attempts.
 */
export function pollJobOptions(job: PollJob, initialDelayMs: number): JobsOptions {
  return {
    jobId: job.taskId,
    delay: initialDelayMs,
    attempts: 10,
    backoff: { type: 'exponential', delay: 1_000 },
    removeOnComplete: { age: FINISHED_POLL_RETENTION_SECONDS },
    removeOnFail: { age: 7 * 24 * 60 * 60 },
  };
}
