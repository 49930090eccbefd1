import {
  HAND_OFF_DEDUPE_MS,
  JOB_NAMES,
  JOB_RETENTION,
  type PollJobData,
  type RegionResult,
  type WebhookEvent,
  type WebhookJob,
} from '@regionwatch/core';
import type { JobsOptions, Queue } from 'bullmq';
import { webhookJobOptions } from '../webhook/webhook-job-options.js';

export type HandOffOptions = {
  /** The results queue, unless `RESULTS_QUEUE` is empty. */
  resultsQueue: Queue | undefined;
  webhookQueue: Queue;
  /** `WEBHOOK_URL`: for tasks that name none. */
  defaultWebhookUrl: string | undefined;
};

/** Both adds use job id = task id plus a deduplication key (HAND_OFF_DEDUPE_MS), so repeating a hand-off is a no-op. */
function once(taskId: string): Pick<JobsOptions, 'jobId' | 'deduplication'> {
  return { jobId: taskId, deduplication: { id: taskId, ttl: HAND_OFF_DEDUPE_MS } };
}

export function webhookEvent(result: RegionResult): WebhookEvent {
  // `timestamp` is the result's own, so a re-sent event is byte-for-byte the same.
  return { type: result.status === 'Completed' ? 'regions.completed' : 'regions.failed', timestamp: result.finishedAt, data: result };
}

/**
 * Hands a result on: a job in the results queue and/or a webhook delivery job. Idempotent, so
 * the poll processor can repeat it after a crash without losing or duplicating a delivery.
 */
export function createHandOff(options: HandOffOptions) {
  return async function handOff(result: RegionResult, job: PollJobData): Promise<void> {
    const adds: Promise<unknown>[] = [];
    if (options.resultsQueue) {
      adds.push(
        options.resultsQueue.add(JOB_NAMES.result, result, {
          ...once(result.taskId),
          ...JOB_RETENTION.results,
        }),
      );
    }
    const url = job.webhookUrl ?? options.defaultWebhookUrl;
    if (url !== undefined) {
      const data: WebhookJob = { url, event: webhookEvent(result) };
      adds.push(options.webhookQueue.add(JOB_NAMES.webhook, data, { ...once(result.taskId), ...webhookJobOptions() }));
    }
    await Promise.all(adds);
  };
}
