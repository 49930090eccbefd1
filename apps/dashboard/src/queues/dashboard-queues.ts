import { POLL_QUEUE, TaskRecordStore, WEBHOOK_QUEUE, type Logger, type RedisClient } from '@regionwatch/core';
import { Queue } from 'bullmq';

/** The contract's queues, opened for reading (and, unless read-only, for Bull Board's actions). */
export type DashboardQueues = {
  poll: Queue;
  /** Undefined when `RESULTS_QUEUE` is empty (the results queue is disabled). */
  results: Queue | undefined;
  webhooks: Queue;
  /** In display order: poll, results, webhooks. */
  all: Queue[];
  /** Finished tasks' records (a completed poll job is removed; its record holds the result for 25 h). */
  records: Pick<TaskRecordStore, 'read'>;
  close(): Promise<void>;
};

export function openDashboardQueues(options: {
  connection: RedisClient;
  prefix: string;
  resultsQueue: string;
  logger: Logger;
}): DashboardQueues {
  const open = (name: string) => {
    const queue = new Queue(name, { connection: options.connection, prefix: options.prefix });
    // Without a listener an 'error' event would crash the process. These repeat the shared
    // connection's errors (logged once, as warnings, by its owner), hence debug.
    queue.on('error', (error) => options.logger.debug({ err: error, queue: name }, 'queue error'));
    return queue;
  };
  const poll = open(POLL_QUEUE);
  const results = options.resultsQueue === '' ? undefined : open(options.resultsQueue);
  const webhooks = open(WEBHOOK_QUEUE);
  const all = [poll, ...(results ? [results] : []), webhooks];
  return {
    poll,
    results,
    webhooks,
    all,
    records: new TaskRecordStore(options.connection, options.prefix),
    close: async () => {
      await Promise.all(all.map((queue) => queue.close()));
    },
  };
}
