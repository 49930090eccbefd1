import { POLL_QUEUE, pollShards, WEBHOOK_QUEUE, type Logger, type RedisClient } from '@regionwatch/core';

/** The key that remembers the POLL_SHARDS whose queues may still hold jobs (`<prefix>:regions-poll:shards`). */
export function pollLayoutKey(prefix: string): string {
  return `${prefix}:${POLL_QUEUE}:shards`;
}

/**
 * Jobs not yet finished (waiting, active, delayed, prioritized, paused) in every shard's `queue` of a layout: the
 * poll queues by default, or the webhook queues (they follow the shards too).
 */
export async function unfinishedPollJobs(redis: RedisClient, prefix: string, shards: number, queue: string = POLL_QUEUE): Promise<number> {
  const counts = await Promise.all(
    pollShards(prefix, shards).map(async (shard) => {
      // One pipeline per shard: its keys share one hash tag, so one Cluster node answers it.
      const base = `${shard.prefix}:${queue}`;
      const answers =
        (await redis
          .pipeline()
          .llen(`${base}:wait`)
          .llen(`${base}:active`)
          .llen(`${base}:paused`)
          .zcard(`${base}:delayed`)
          .zcard(`${base}:prioritized`)
          .exec()) ?? [];
      return answers.reduce((sum, [error, count]) => {
        if (error) throw error;
        return sum + Number(count);
      }, 0);
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * Start-up check of the poll layout: a replica consumes the POLL_SHARDS queues of ITS value only, so jobs
 * left in the queues of another value (POLL_SHARDS was changed without a drain, or replicas disagree) would
 * never be polled. The key `<prefix>:regions-poll:shards` holds the value whose queues may still hold jobs;
 * it moves to this replica's value once those queues are empty. Before any replica wrote it, the layout
 * without shards is the one to look at. Returns the jobs found in the other layout (0: all well); logs an
 * error naming both values and what to do when there are any. A few commands, once per start.
 */
export async function checkPollLayout(redis: RedisClient, prefix: string, shards: number, logger: Logger): Promise<number> {
  const key = pollLayoutKey(prefix);
  const stored = await redis.get(key);
  const previous = stored === null ? 1 : Number(stored);
  if (previous === shards || !Number.isInteger(previous) || previous < 1) {
    if (stored !== String(shards)) await redis.set(key, String(shards));
    return 0;
  }
  // The webhook queues follow the shards too (one per shard with POLL_SHARDS > 1): deliveries not yet
  // made (waiting, retrying, held) in the old layout's are not made by this replica either.
  const [polls, deliveries] = await Promise.all([
    unfinishedPollJobs(redis, prefix, previous),
    unfinishedPollJobs(redis, prefix, previous, WEBHOOK_QUEUE),
  ]);
  const left = polls + deliveries;
  if (left === 0) {
    await redis.set(key, String(shards));
    return 0;
  }
  logger.error(
    { previousShards: previous, shards, unfinishedJobs: polls, undeliveredWebhooks: deliveries },
    `${polls} poll job(s) and ${deliveries} webhook delivery(ies) wait in the queues of POLL_SHARDS=${previous}, which this replica ` +
      `(POLL_SHARDS=${shards}) does not consume: they are not polled or delivered until a worker with POLL_SHARDS=${previous} ` +
      'drains them (see docs/operations.md, "Changing the layout"); every producer, worker and dashboard must use the same POLL_SHARDS',
  );
  return left;
}
