import {
  POLL_QUEUE,
  pollShardLabel,
  pollShards,
  RegionwatchError,
  WEBHOOK_QUEUE,
  webhookShardLabel,
  type RedisClient,
} from '@regionwatch/core';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { pollLayoutKey } from '../poll/poll-layout-check.js';

/** What a purge found (and, unless it was a dry run, removed). */
export type PurgeReport = { prefix: string; keys: number; queues: string[]; removed: boolean };

/** Workers still connected to a queue of the prefix: a purge under them would pull jobs from under their feet. */
export class PrefixInUseError extends RegionwatchError {
  readonly code = 'PREFIX_IN_USE';

  constructor(
    readonly prefix: string,
    readonly workers: { queue: string; count: number }[],
  ) {
    super(
      `prefix "${prefix}" is in use: ${workers.map((w) => `${w.count} worker(s) on ${w.queue}`).join(', ')}; ` +
        'stop them first (or pass --force)',
    );
  }
}

const SCAN_COUNT = 1_000;

/** `prefix` as a SCAN MATCH pattern that matches only itself (glob characters escaped). */
function literalPattern(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}:*`;
}

/**
 * Every key of one regionwatch environment: BullMQ's (`<prefix>:<queue>:…`, every queue of the prefix,
 * the results queue included) and regionwatch's own (the rate window `<prefix>:regions-poll:aspose-rate`,
 * the learned completion times…), since all of them start with `<prefix>:`. Another prefix is never
 * touched: `regionwatch:*` does not match `regionwatch-demo:…`.
 *
 * A dry run (`remove: false`) only counts. Removing refuses while a BullMQ worker of the prefix is
 * connected (unless `force`): jobs taken by a running worker would come back half-written. Keys are
 * removed with UNLINK in SCAN batches, so a large prefix never blocks Redis for long. On a Cluster every
 * primary is scanned (the prefix's hash tag keeps a batch in one slot, so one UNLINK can take it).
 */
export async function purgePrefix(
  connection: RedisClient,
  prefix: string,
  options: { remove: boolean; force?: boolean; shards?: number },
): Promise<PurgeReport> {
  if (prefix === '') throw new Error('an empty prefix would match every key');
  // Poll shards live under prefixes of their own (`{base:p<i>…}`): those of `shards` (POLL_SHARDS) and of
  // the layout the workers last recorded (`<prefix>:regions-poll:shards`) are the environment's too.
  const recorded = Number(await connection.get(pollLayoutKey(prefix)));
  const counts = new Set([options.shards ?? 1, Number.isInteger(recorded) && recorded > 1 ? recorded : 1]);
  const areas = [{ prefix, label: (queue: string) => queue }];
  for (const n of counts) {
    if (n === 1) continue;
    for (const shard of pollShards(prefix, n)) {
      // Each shard's poll queue and webhook queue (a delivery sits in its task's shard).
      const label = (queue: string) =>
        queue === POLL_QUEUE
          ? pollShardLabel(shard.index, n)
          : queue === WEBHOOK_QUEUE
            ? webhookShardLabel(shard.index, n)
            : `p${shard.index}.${queue}`;
      areas.push({ prefix: shard.prefix, label });
    }
  }
  const queues = new Map<string, { prefix: string; name: string }>();
  let keys = 0;
  for (const area of areas) {
    for await (const batch of scanKeys(connection, literalPattern(area.prefix))) {
      keys += batch.length;
      for (const key of batch) {
        const match = /^(.+):meta$/.exec(key.slice(area.prefix.length + 1));
        if (match?.[1] !== undefined && !match[1].includes(':')) queues.set(area.label(match[1]), { prefix: area.prefix, name: match[1] });
      }
    }
  }
  const report = { prefix, keys, queues: [...queues.keys()].sort(), removed: false };
  if (!options.remove || keys === 0) return report;

  if (!options.force) {
    const workers: { queue: string; count: number }[] = [];
    for (const [label, { prefix: queuePrefix, name }] of queues) {
      const queue = new Queue(name, { connection, prefix: queuePrefix });
      try {
        const count = (await queue.getWorkers()).length;
        if (count > 0) workers.push({ queue: label, count });
      } finally {
        await queue.close();
      }
    }
    if (workers.length > 0) throw new PrefixInUseError(prefix, workers);
  }
  let removed = 0;
  // The base prefix last: it holds the layout key that says which shard prefixes to look under.
  for (const area of areas.slice(1).concat(areas.slice(0, 1))) {
    for await (const batch of scanKeys(connection, literalPattern(area.prefix))) {
      if (batch.length > 0) removed += await connection.unlink(...batch);
    }
  }
  // What UNLINK removed: keys with a TTL (a rate window, a lock) may have expired since the count.
  return { ...report, keys: removed, removed: true };
}

/** SCAN batches of keys matching `pattern`: on a Cluster, from every primary. */
async function* scanKeys(connection: RedisClient, pattern: string): AsyncGenerator<string[]> {
  const nodes: Redis[] =
    'nodes' in connection && typeof connection.nodes === 'function' ? connection.nodes('master') : [connection as Redis];
  for (const node of nodes) {
    yield* node.scanStream({ match: pattern, count: SCAN_COUNT }) as AsyncIterable<string[]>;
  }
}
