import {
  POLL_QUEUE,
  pollShardLabel,
  pollShards,
  shardOfTask,
  TaskRecordStore,
  WEBHOOK_QUEUE,
  webhookShardLabel,
  type Logger,
  type RedisClient,
} from '@regionwatch/core';
import { Queue } from 'bullmq';

/** The contract's queues, opened for reading (and, unless read-only, for Bull Board's actions). */
export type DashboardQueues = {
  /** The first poll shard's queue (the only one without POLL_SHARDS). */
  poll: Queue;
  /** Every poll shard's queue, in shard order. */
  pollShards: Queue[];
  /** The poll queue `taskId`'s job is in. */
  pollOf(taskId: string): Queue;
  /** The name a queue has on the board and in its links: its own, or `p<i>.regions-poll` for a poll shard. */
  boardName(queue: Queue): string;
  /** Undefined when `RESULTS_QUEUE` is empty (the results queue is disabled). */
  results: Queue | undefined;
  /** The first webhook shard's queue (the only one without POLL_SHARDS). */
  webhooks: Queue;
  /** Every webhook shard's queue (one per poll shard: a delivery is in its task's shard), in shard order. */
  webhookShards: Queue[];
  /** The webhook queue `taskId`'s delivery is in. */
  webhooksOf(taskId: string): Queue;
  /** In display order: poll (every shard), results, webhooks (every shard). */
  all: Queue[];
  /** Finished tasks' records (a completed poll job is removed; its record holds the result for 25 h). */
  records: Pick<TaskRecordStore, 'read'>;
  close(): Promise<void>;
};

export function openDashboardQueues(options: {
  connection: RedisClient;
  prefix: string;
  resultsQueue: string;
  /** POLL_SHARDS (default 1). */
  shards?: number;
  logger: Logger;
}): DashboardQueues {
  const shards = options.shards ?? 1;
  const open = (name: string, prefix = options.prefix) => {
    const queue = new Queue(name, { connection: options.connection, prefix });
    // Without a listener an 'error' event would crash the process. These repeat the shared
    // connection's errors (logged once, as warnings, by its owner), hence debug.
    queue.on('error', (error) => options.logger.debug({ err: error, queue: name }, 'queue error'));
    return queue;
  };
  const polls = pollShards(options.prefix, shards).map((shard) => open(POLL_QUEUE, shard.prefix));
  const poll = polls[0] as Queue;
  const results = options.resultsQueue === '' ? undefined : open(options.resultsQueue);
  const hooks = pollShards(options.prefix, shards).map((shard) => open(WEBHOOK_QUEUE, shard.prefix));
  const all = [...polls, ...(results ? [results] : []), ...hooks];
  const names = new Map<Queue, string>([
    ...polls.map((queue, index) => [queue, pollShardLabel(index, shards)] as const),
    ...hooks.map((queue, index) => [queue, webhookShardLabel(index, shards)] as const),
  ]);
  return {
    poll,
    pollShards: polls,
    pollOf: (taskId) => polls[shardOfTask(taskId, shards)] as Queue,
    boardName: (queue) => names.get(queue) ?? queue.name,
    results,
    webhooks: hooks[0] as Queue,
    webhookShards: hooks,
    webhooksOf: (taskId) => hooks[shardOfTask(taskId, shards)] as Queue,
    all,
    records: new TaskRecordStore(options.connection, options.prefix, { shards }),
    close: async () => {
      await Promise.all(all.map((queue) => queue.close()));
    },
  };
}
