import { JOB_RETENTION } from '@regionwatch/core';
import type { JobsOptions } from 'bullmq';

/**
 * BullMQ backoff type of webhook jobs; the worker registers `unexpectedErrorDelay` for it. (Jobs added
 * by regionwatch 0.1 carry it too, so the name stays.)
 */
export const WEBHOOK_BACKOFF_TYPE = 'regionwatch-webhook';

/**
 * BullMQ's attempts budget only errors the processor did not expect (Redis lost mid-run, a bug): the
 * retry schedule, holds and dead letters are the processor's own, and spend none of it.
 */
export const UNEXPECTED_ERROR_ATTEMPTS = 20;

/** Options of every `regions-webhooks` job (the hand-off adds them with these). */
export function webhookJobOptions(): Pick<JobsOptions, 'attempts' | 'backoff' | 'removeOnComplete' | 'removeOnFail'> {
  return { attempts: UNEXPECTED_ERROR_ATTEMPTS, backoff: { type: WEBHOOK_BACKOFF_TYPE }, ...JOB_RETENTION.webhooks };
}

/** Delay before running a job again after an unexpected error: 1 s doubling, at most a minute, with jitter. */
export function unexpectedErrorDelay(attemptsMade: number, random: () => number = Math.random): number {
  return Math.round(Math.min(1_000 * 2 ** Math.min(Math.max(attemptsMade - 1, 0), 10), 60_000) * (0.8 + 0.4 * random()));
}
