import { taskIdOfWebhookJob, shardOfTask } from '@regionwatch/core';
import type { Queue } from 'bullmq';

/**
 * Every webhook queue of a deployment: one (`regions-webhooks` under REGIONWATCH_PREFIX) with POLL_SHARDS=1,
 * else one per poll shard (`<shard prefix>:regions-webhooks`), a delivery in its task's shard. The processor,
 * the endpoint scheduler, the hand-off and replay find a delivery's queue from its job id alone.
 */
export type WebhookQueues = {
  /** Every webhook queue, in shard order. */
  readonly all: readonly Queue[];
  /** The queue of the delivery with job id `jobId` (the task id, or `<taskId>+<n>`). */
  of(jobId: string): Queue;
};

/**
 * The webhook queues of a deployment, one per poll shard in shard order (one queue: the layout without shards).
 * Built once (the worker runtime, the replay CLI, tests) and passed as it is to everything that needs them.
 */
export function webhookQueues(all: readonly Queue[]): WebhookQueues {
  if (all.length === 0) throw new Error('no webhook queue');
  const first = all[0] as Queue;
  if (all.length === 1) return { all, of: () => first };
  return { all, of: (jobId) => all[shardOfTask(taskIdOfWebhookJob(jobId), all.length)] as Queue };
}
