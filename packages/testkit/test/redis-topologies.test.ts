import { once } from 'node:events';
import { createRedisConnection, type RedisClient } from '@regionwatch/core';
import { describe, expect } from 'vitest';
import { infoOf } from '../src/redis-process.js';
import { it, uniquePrefix } from '../src/redis-test.js';

/** A fail-fast client refuses commands until it is connected (no offline queue): wait for that first. */
async function ready(client: RedisClient): Promise<RedisClient> {
  if (client.status !== 'ready') await once(client, 'ready', { signal: AbortSignal.timeout(10_000) });
  return client;
}

// The Sentinel and Cluster the HA tests run on are real: these check that they are what they claim.
describe('startRedisSentinel (the `sentinel` fixture)', () => {
  it('is a primary with a replica in sync and three sentinels that agree on it', async ({ sentinel }) => {
    expect(sentinel.servers).toHaveLength(2);
    expect(sentinel.sentinels).toHaveLength(3);
    const primary = await sentinel.currentPrimary();
    expect(primary.port).toBe(sentinel.servers[0]?.port);
    const replica = sentinel.servers[1];
    expect(await infoOf(replica!, 'replication')).toMatchObject({ role: 'slave', master_link_status: 'up' });
    expect(sentinel.env).toEqual({
      REDIS_SENTINELS: expect.stringMatching(/^127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+){2}$/),
      REDIS_SENTINEL_NAME: 'regionwatch',
    });
  }, 60_000);

  it('a client reaches the primary through the sentinels and writes land on the replica', async ({ sentinel }) => {
    const client = await ready(createRedisConnection(sentinel.target, 'fail-fast'));
    try {
      const key = `${uniquePrefix('sentinel')}:k`;
      await client.set(key, 'v');
      const replica = sentinel.servers[1]!.client();
      await replica.connect();
      await client.call('WAIT', '1', '5000');
      expect(await replica.get(key)).toBe('v');
      replica.disconnect();
    } finally {
      client.disconnect();
    }
  }, 60_000);
});

describe('startRedisCluster (the `cluster` fixture)', () => {
  it('is three primaries sharing all 16 384 slots; keys with one hash tag share a slot and a primary', async ({ cluster }) => {
    const primaries = await cluster.primaries();
    expect(primaries).toHaveLength(3);
    expect(primaries.flatMap((p) => p.slots).reduce((sum, [from, to]) => sum + to - from + 1, 0)).toBe(16_384);
    const prefix = uniquePrefix('cluster', { hashTag: true });
    const [a, b] = await Promise.all([cluster.slotOf(`${prefix}:regions-poll:wait`), cluster.slotOf(`${prefix}:regions-webhooks:1:task`)]);
    expect(a).toEqual(b);
    expect(cluster.env.REDIS_CLUSTER_NODES.split(',')).toHaveLength(3);
  }, 60_000);

  it('a Cluster client writes across primaries', async ({ cluster }) => {
    const client = await ready(createRedisConnection(cluster.target, 'fail-fast'));
    try {
      const keys = Array.from({ length: 30 }, (_, i) => `${uniquePrefix('cluster')}-${i}`);
      for (const key of keys) await client.set(key, key);
      const owners = new Set(await Promise.all(keys.map(async (key) => (await cluster.slotOf(key)).port)));
      expect(owners.size).toBe(3); // 30 random keys on 3 primaries: all three (chance of not: ~3 · (2/3)^30 ≈ 2e-5)
      for (const key of keys) expect(await client.get(key)).toBe(key);
    } finally {
      client.disconnect();
    }
  }, 60_000);
});
