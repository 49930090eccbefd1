import {
  JOB_NAMES,
  JOB_RETENTION,
  type Destinations,
  type HandOffTarget,
  type Logger,
  type RedisClient,
  type RegionResult,
  type TaskRecordStore,
  type WebhookEvent,
  type WebhookJob,
  WEBHOOK_QUEUE,
  webhookJobId,
} from '@regionwatch/core';
import { Queue, type JobsOptions } from 'bullmq';
import { webhookJobOptions } from '../webhook/webhook-job-options.js';
import type { WebhookQueues } from '../webhook/webhook-queues.js';

export type HandOffOptions = {
  /** The connection results and webhook jobs are added on (and existing ones read). */
  connection: RedisClient;
  prefix: string;
  /** Every shard's `regions-webhooks` (one without shards; POLL_SHARDS > 1: a delivery goes to its task's shard). */
  webhookQueues: WebhookQueues;
  /** The configured results queue, when there is one (other names in a record are opened on demand). */
  resultsQueue?: Queue | undefined;
  /** Where targets are marked handed. */
  records: Pick<TaskRecordStore, 'markHanded'>;
  logger: Logger;
};

/** A decided task to hand on: its result, the chain that decided it, where it goes, what is done already. */
export type HandOffInput = {
  result: RegionResult;
  chain: string;
  destinations: Destinations;
  handed: ReadonlySet<HandOffTarget>;
};

/** Every target handed, or the first one that has to wait (an older chain's job is being processed right now). */
export type HandOffOutcome = { complete: true } | { complete: false; waitingFor: string };

export type HandOff = ((input: HandOffInput) => Promise<HandOffOutcome>) & { close(): Promise<void> };

export function webhookEvent(result: RegionResult): WebhookEvent {
  // `timestamp` is the result's own, so a re-sent event is byte-for-byte the same.
  return { type: result.status === 'Completed' ? 'regions.completed' : 'regions.failed', timestamp: result.finishedAt, data: result };
}

/** The job id of the n-th webhook destination (defined in core: the producer's `status()` reads them too). */
export { webhookJobId };

/**
 * Hands a decided result on: a job in the results queue and one per webhook destination, each with
 * the contract's job id. Each job is added with `timestamp` = the result's `finishedAt`, which names
 * the decision it belongs to: a job of that id with another timestamp is an older chain's (the task
 * tracked again after its record expired) and is replaced — unless a consumer or delivery holds it
 * right now, then this hand-off waits and is repeated. After each add the target is marked handed in
 * the task record, so repeating the hand-off (a crash, a retry) adds nothing twice, even after a
 * consumer removed the job.
 */
export function createHandOff(options: HandOffOptions): HandOff {
  const webhooks = options.webhookQueues;
  const queues = new Map<string, Queue>([[WEBHOOK_QUEUE, webhooks.all[0] as Queue]]);
  if (options.resultsQueue) queues.set(options.resultsQueue.name, options.resultsQueue);
  const opened: Queue[] = [];
  const queueNamed = (name: string): Queue => {
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: options.connection, prefix: options.prefix });
      queue.on('error', (error) => options.logger.debug({ err: error, queue: name }, 'queue error'));
      queues.set(name, queue);
      opened.push(queue);
    }
    return queue;
  };

  type Placement = { target: HandOffTarget; queue: Queue; jobId: string; name: string; data: unknown; opts: JobsOptions };

  async function place(input: HandOffInput, p: Placement): Promise<string | undefined> {
    const taskId = input.result.taskId;
    const decidedAt = Date.parse(input.result.finishedAt);
    const stored = await options.connection.hget(p.queue.toKey(p.jobId), 'timestamp');
    if (stored !== null && Number(stored) !== decidedAt) {
      // An older chain's job holds the id: replace it, unless it is being processed right now.
      const state = await p.queue.getJobState(p.jobId);
      if (state === 'active') return `${p.queue.name}/${p.jobId} (an older result's job, being processed now)`;
      const removed = await p.queue.remove(p.jobId);
      if (removed === 0 && (await options.connection.exists(p.queue.toKey(p.jobId))) === 1) {
        return `${p.queue.name}/${p.jobId} (an older result's job, locked)`;
      }
      options.logger.warn(
        { taskId, queue: p.queue.name, jobId: p.jobId, replacedState: state, decidedAt: Number(stored) },
        'replaced the job of an earlier result of this task (tracked again after its record expired)',
      );
    }
    if (stored === null || Number(stored) !== decidedAt) {
      await p.queue.add(p.name, p.data, { ...p.opts, jobId: p.jobId, timestamp: decidedAt });
    }
    await options.records.markHanded(taskId, input.chain, p.target);
    return undefined;
  }

  const handOff = async (input: HandOffInput): Promise<HandOffOutcome> => {
    const { result, destinations } = input;
    const placements: Placement[] = [];
    if (destinations.results !== null && !input.handed.has('results')) {
      placements.push({
        target: 'results',
        queue: queueNamed(destinations.results),
        jobId: result.taskId,
        name: JOB_NAMES.result,
        data: result,
        opts: { ...JOB_RETENTION.results },
      });
    }
    destinations.webhooks.forEach((url, index) => {
      const target: HandOffTarget = `webhook:${index}`;
      if (input.handed.has(target)) return;
      const data: WebhookJob = { url, event: webhookEvent(result) };
      // Webhook delivery options: the processor keeps its own retry schedule (webhook-job-options.ts).
      const opts: JobsOptions = webhookJobOptions();
      placements.push({
        target,
        queue: webhooks.of(webhookJobId(result.taskId, index)),
        jobId: webhookJobId(result.taskId, index),
        name: JOB_NAMES.webhook,
        data,
        opts,
      });
    });
    const waiting = (await Promise.all(placements.map((p) => place(input, p)))).filter((w): w is string => w !== undefined);
    return waiting.length === 0 ? { complete: true } : { complete: false, waitingFor: waiting.join(', ') };
  };
  return Object.assign(handOff, {
    close: async () => {
      await Promise.all(opened.map((queue) => queue.close()));
    },
  });
}
