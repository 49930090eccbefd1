import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  endpointIndexKeys,
  endpointKeys,
  endpointStatePrefixes,
  listEndpointHealth,
  pollShards,
  readEndpointHealth,
} from '../src/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

// The endpoint health reader over POLL_SHARDS: each shard's state of an endpoint, written as the worker's scripts
// leave it, read back as one row per endpoint. The run's real Redis; a fresh prefix per test.

const redis = new Redis(inject('redisUrl'));
afterAll(() => redis.disconnect());

const A = 'https://a.example.com';
const B = 'https://b.example.com:8443';

describe('endpoint health with poll shards', () => {
  it('keeps the layout without shards: the prefix itself', () => {
    expect(endpointStatePrefixes('{rw}', 1)).toEqual(['{rw}']);
    expect(endpointStatePrefixes('{rw}', 3)).toEqual(pollShards('{rw}', 3).map((s) => s.prefix));
  });

  it('lists each endpoint once, in the order first seen in any shard, combining its shards (worst state, sums, oldest)', async () => {
    const prefix = `{eh-${randomUUID().slice(0, 8)}}`;
    const [p0, p1, p2] = endpointStatePrefixes(prefix, 3) as [string, string, string];
    const now = 100_000;
    // B first seen in shard 2 (earliest of all), A in shards 0 and 1.
    await redis.zadd(endpointIndexKeys(p2).index, 10, B);
    await redis.hset(endpointKeys(p2, B).state, { seenAt: 90_000, lastSuccessAt: 90_000 });
    await redis.zadd(endpointIndexKeys(p0).index, 20, A);
    await redis.hset(endpointKeys(p0, A).state, { seenAt: 95_000, lastError: 'HTTP 500', lastErrorAt: 50_000 });
    await redis.zadd(endpointKeys(p0, A).pending, 70_000, 'a1');
    await redis.zadd(endpointIndexKeys(p1).index, 30, A);
    await redis.hset(endpointKeys(p1, A).state, {
      seenAt: 99_000,
      state: 'open',
      openedAt: 98_000,
      probeAt: 120_000,
      lastError: 'timeout',
      lastErrorAt: 98_000,
    });
    await redis.zadd(endpointKeys(p1, A).held, 1, 'a2', 2, 'a3');
    await redis.zadd(endpointKeys(p1, A).pending, 60_000, 'a2', 80_000, 'a3');
    await redis.sadd(endpointKeys(p1, A).failing, 'f1', 'f2');

    const { endpoints, total } = await listEndpointHealth(redis, prefix, { shards: 3, now });
    expect(total).toBe(2);
    expect(endpoints.map((e) => e.endpoint)).toEqual([B, A]);
    const [b, a] = endpoints;
    expect(a).toMatchObject({
      state: 'open',
      held: 2,
      undelivered: 3,
      oldestUndeliveredAt: 60_000,
      consecutiveFailures: 2,
      openedAt: 98_000,
      nextProbeAt: 120_000,
      lastError: 'timeout',
      lastErrorAt: 98_000,
      lastSuccessAt: null,
      lastSeenAt: 99_000,
    });
    expect(a?.shards?.map((s) => s.state)).toEqual(['closed', 'open', 'closed']);
    expect(b).toMatchObject({ state: 'closed', held: 0, lastSuccessAt: 90_000 });
    // Without shards the same reader sees none of it (nothing under the prefix itself).
    expect(await listEndpointHealth(redis, prefix, { now })).toEqual({ endpoints: [], total: 0 });
    expect(await readEndpointHealth(redis, prefix, A, now, 3)).toMatchObject({ state: 'open', held: 2 });
    expect(await readEndpointHealth(redis, prefix, 'https://never.example.com', now, 3)).toBeUndefined();
  });
});
