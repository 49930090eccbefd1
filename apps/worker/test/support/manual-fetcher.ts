import { POLL_QUEUE } from '@regionwatch/core';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

export type ManualFetcher = { connection: Redis; queue: Queue; fetcher: Worker; close(): Promise<void> };

/**
 * The poll queue under `redis.prefix` and a BullMQ Worker without a processor: the test takes jobs one at a
 * time with `fetcher.getNextJob(token, { block: false })`, as a replica would, and sees the order BullMQ
 * hands them out in. The lock is long: a slow machine must not see a job come back as stalled mid-test.
 */
export function manualFetcher(redis: { url: string; prefix: string }): ManualFetcher {
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(POLL_QUEUE, { connection, prefix: redis.prefix });
  const fetcher = new Worker(POLL_QUEUE, null, { connection, prefix: redis.prefix, lockDuration: 600_000 });
  return {
    connection,
    queue,
    fetcher,
    async close() {
      await fetcher.close();
      await queue.close();
      connection.disconnect();
    },
  };
}
