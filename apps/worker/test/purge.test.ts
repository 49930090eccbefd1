// Removing every key of one environment (issue 17 §5): `npm run purge -- --prefix X --yes`. Two
// environments share the run's Redis, the second's prefix starting with the first's: only the first
// goes, and not while one of its workers is connected.
import { join } from 'node:path';
import { pollShards } from '@regionwatch/core';
import { REPO_ROOT, spawnNode } from '@regionwatch/testkit';
import { test } from '@regionwatch/testkit/vitest';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { PrefixInUseError, purgePrefix } from '../src/purge/purge-prefix.js';
import { createHarness } from './support/harness.js';

/** Every key under `prefix:` (a KEYS pattern is fine on a test's Redis). */
const keysOf = async (redis: Redis, prefix: string) => (await redis.keys(`${prefix}:*`)).sort();

describe('purging a prefix', () => {
  test('removes every key of that prefix (BullMQ and regionwatch), never another, and never under a running worker', async ({ redis }) => {
    const other = `${redis.prefix}-other`; // `<prefix>:*` must not match `<prefix>-other:…`
    const h = await createHarness(redis, { env: { ASPOSE_MAX_RPS: '50' } }); // the rate window is a key of our own
    const neighbour = await createHarness({ url: redis.url, prefix: other });
    const connection = new Redis(redis.url);
    try {
      // Real data in both: a finished task (poll job, result, webhook delivery) and one still waiting.
      const worker = await h.startWorker({ WEBHOOK_URL: h.receiver.url });
      const done = h.simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed' } });
      await h.producer.track(done);
      await h.result(done);
      await h.waitFor('delivery', () => h.receiver.accepted.get(done));
      await h.producer.track(h.simulator.createTask({ pendingMs: 600_000 }));
      await neighbour.producer.track(neighbour.simulator.createTask());
      const resultKey = `${redis.prefix}:regions-results:${done}`;
      expect(await keysOf(connection, redis.prefix)).toEqual(
        expect.arrayContaining([`${redis.prefix}:regions-poll:aspose-rate`, resultKey]),
      );
      const theirs = await keysOf(connection, other);
      expect(theirs.length).toBeGreaterThan(0);

      // A worker of the prefix is connected: refused, nothing removed.
      const refused = purgePrefix(connection, redis.prefix, { remove: true });
      await expect(refused).rejects.toBeInstanceOf(PrefixInUseError);
      await expect(refused).rejects.toMatchObject({ code: 'PREFIX_IN_USE' });
      expect(await keysOf(connection, redis.prefix)).toContain(resultKey);

      // (Some keys of a running worker expire or go with it: the snapshot is taken once it stopped.)
      await worker.close(5_000);
      const ours = await keysOf(connection, redis.prefix);
      // A dry run counts and removes nothing.
      const dry = await purgePrefix(connection, redis.prefix, { remove: false });
      expect(dry).toEqual({
        prefix: redis.prefix,
        keys: ours.length,
        queues: ['regions-poll', 'regions-results', 'regions-webhooks'],
        removed: false,
      });
      expect(await keysOf(connection, redis.prefix)).toEqual(ours);

      // The command line: removes them, says how many, leaves the neighbour alone.
      const cli = spawnNode(join(REPO_ROOT, 'apps/worker/src/purge-cli.ts'), ['--prefix', redis.prefix, '--yes'], {
        REDIS_URL: redis.url,
        REGIONWATCH_PREFIX: other, // never used for the purge: only --prefix counts
      });
      expect(await cli.exited, cli.lines.join('\n')).toBe(0);
      // (Keys with a TTL, e.g. the rate window, may expire between the dry run and this.)
      expect(cli.lines).toHaveLength(1);
      expect(cli.lines[0]).toMatch(
        new RegExp(
          `^removed (\\d+) key\\(s\\) of prefix "${redis.prefix}" \\(queues: regions-poll, regions-results, regions-webhooks\\) ` +
            `from REDIS_URL=redis://127\\.0\\.0\\.1:\\d+$`,
        ),
      );
      expect(Number(/removed (\d+)/.exec(cli.lines[0] ?? '')?.[1])).toBeGreaterThan(ours.length / 2);
      expect(await keysOf(connection, redis.prefix)).toEqual([]);
      expect(await keysOf(connection, other)).toEqual(theirs);
    } finally {
      connection.disconnect();
      await h.close();
      await neighbour.close();
    }
  }, 120_000);

  test('with POLL_SHARDS=3, the shards’ prefixes go too (found from the layout the workers recorded)', async ({ redis }) => {
    const h = await createHarness(redis, { env: { POLL_SHARDS: '3' } });
    const connection = new Redis(redis.url);
    const shardPrefixes = pollShards(redis.prefix, 3).map((shard) => shard.prefix);
    try {
      const worker = await h.startWorker(); // records POLL_SHARDS=3 under the prefix
      const done = h.simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed' } });
      await h.producer.track(done, { webhookUrl: h.receiver.url });
      await h.result(done);
      await h.waitFor('the webhook delivered', () => (h.receiver.accepted.has(done) ? true : undefined), 30_000);
      await h.producer.trackMany(Array.from({ length: 9 }, () => h.simulator.createTask({ pendingMs: 600_000 })));
      await worker.close(5_000);
      const shardKeys = (await Promise.all(shardPrefixes.map((p) => keysOf(connection, p)))).flat();
      expect(shardKeys.length).toBeGreaterThan(9);
      // The delivered task's webhook endpoint state sits in its shard (and goes with it below).
      expect(shardKeys.some((key) => key.includes(':regions-webhooks:endpoint'))).toBe(true);
      const dry = await purgePrefix(connection, redis.prefix, { remove: false });
      // Each shard's poll and webhook queues (a delivery sits in its task's shard), the one results queue.
      expect(dry.queues).toEqual([
        'p0.regions-poll',
        'p0.regions-webhooks',
        'p1.regions-poll',
        'p1.regions-webhooks',
        'p2.regions-poll',
        'p2.regions-webhooks',
        'regions-results',
      ]);
      const purged = await purgePrefix(connection, redis.prefix, { remove: true });
      expect(purged.keys).toBeGreaterThan(shardKeys.length);
      for (const p of [redis.prefix, ...shardPrefixes]) expect(await keysOf(connection, p)).toEqual([]);
    } finally {
      connection.disconnect();
      await h.close();
    }
  }, 120_000);
});
