import {
  endpointIndexKeys,
  endpointKeys,
  listEndpointHealth,
  pollShards,
  readEndpointHealth,
  RequestRateLimiter,
  shardOfTask,
} from '@regionwatch/core';
import { test } from '@regionwatch/testkit/vitest';
import { Redis } from 'ioredis';
import { afterAll, describe, expect } from 'vitest';
import { BREAKER_THRESHOLD, EndpointBreaker, endpointShardWindow, WorkerMetrics, type Report } from '../src/index.js';

// POLL_SHARDS=3 on one standalone Redis: each shard keeps its own state per endpoint under its own prefix;
// caps are split; a breaker change in one shard is told to the others. Driven by a clock the test holds.

const connections: Redis[] = [];
afterAll(() => connections.forEach((c) => c.disconnect()));

const A = 'https://a.example.com';
const SHARDS = 3;
const HALF = () => 0.5; // cooldown jitter factor 1.0
const failed: Report = { verdict: 'fail', finished: false, message: 'ECONNREFUSED' };
const answered: Report = { verdict: 'ok', finished: true, message: '' };

function setUp(url: string, prefix: string, shards = SHARDS) {
  const redis = new Redis(url);
  connections.push(redis);
  const breaker = new EndpointBreaker(redis, prefix, { maxRps: 20, timeoutMs: 1_000, inflightLimit: 100, schedule: [100, 1_000] }, shards);
  return { redis, breaker };
}

/** Task ids `<label>-<n>` in shard `shard` of SHARDS (a delivery's shard is its task's). */
function idsIn(shard: number, label: string, count: number): string[] {
  const ids: string[] = [];
  for (let n = 0; ids.length < count; n += 1) if (shardOfTask(`${label}-${n}`, SHARDS) === shard) ids.push(`${label}-${n}`);
  return ids;
}

describe('webhook endpoint state per poll shard (POLL_SHARDS=3)', () => {
  test("each shard's deliveries use their shard's endpoint keys; none under the tag", async ({ redis: r }) => {
    const { redis, breaker } = setUp(r.url, r.prefix);
    const shards = pollShards(r.prefix, SHARDS);
    for (const shard of shards) {
      const [id] = idsIn(shard.index, 'k', 1) as [string];
      expect(breaker.shardOf(id).prefix).toBe(shard.prefix);
      expect(await breaker.admit(A, id, 1, 1_000)).toMatchObject({ kind: 'go' });
      expect(await redis.zscore(endpointKeys(shard.prefix, A).inflight, id)).not.toBeNull();
      expect(await redis.zscore(endpointIndexKeys(shard.prefix).index, A)).toBe('1000');
      await breaker.report(A, id, 1, 1_001, answered, HALF);
      expect(await redis.zcard(endpointKeys(shard.prefix, A).pending)).toBe(0);
      expect(breaker.rateKey(A, id)).toBe(endpointKeys(shard.prefix, A).rate);
    }
    expect(await redis.keys(`${r.prefix}:*`)).toEqual([]);
    const health = await readEndpointHealth(redis, r.prefix, A, 2_000, SHARDS);
    expect(health).toMatchObject({ state: 'closed', lastSuccessAt: 1_001, lastSeenAt: 1_000 });
    expect(health?.shards).toHaveLength(SHARDS);
  });

  test('a flaky endpoint trips a shard as it tripped the one breaker: threshold − 1 failures in a row in one shard open nothing', async ({
    redis: r,
  }) => {
    const { redis, breaker } = setUp(r.url, r.prefix);
    const ids = idsIn(0, 'f', BREAKER_THRESHOLD);
    for (const [k, id] of ids.slice(0, BREAKER_THRESHOLD - 1).entries()) {
      expect(await breaker.admit(A, id, k + 1, 1_000)).toMatchObject({ kind: 'go' });
      await breaker.report(A, id, k + 1, 1_000, failed, HALF);
    }
    const states = async () =>
      Promise.all(breaker.shards.map(async (s) => (await redis.hget(endpointKeys(s.prefix, A).state, 'state')) ?? 'closed'));
    expect(await states()).toEqual(['closed', 'closed', 'closed']);
    // The threshold-th distinct failure in a row opens that shard, and it tells the others.
    const last = ids[BREAKER_THRESHOLD - 1] as string;
    expect(await breaker.admit(A, last, BREAKER_THRESHOLD, 1_000)).toMatchObject({ kind: 'go' });
    await breaker.report(A, last, BREAKER_THRESHOLD, 1_000, failed, HALF);
    expect(await states()).toEqual(['open', 'open', 'open']);
  });

  test('a dead endpoint opens every shard once one shard has seen the threshold, then every shard recovers', async ({ redis: r }) => {
    const { redis, breaker } = setUp(r.url, r.prefix);
    const ids = [0, 1, 2].map((shard) => idsIn(shard, 'd', 6));
    // Deliveries fail in turn across the shards, as a dead endpoint's would.
    let failures = 0;
    let openAfter = 0;
    for (let round = 0; round < 6 && openAfter === 0; round += 1) {
      for (let shard = 0; shard < SHARDS && openAfter === 0; shard += 1) {
        const id = ids[shard]?.[round] as string;
        const admission = await breaker.admit(A, id, failures + 1, 1_000);
        if (admission.kind === 'held') continue;
        failures += 1;
        await breaker.report(A, id, failures, 1_000, failed, HALF);
        const open = await Promise.all(
          breaker.shards.map(async (s) => (await redis.hget(endpointKeys(s.prefix, A).state, 'state')) === 'open'),
        );
        if (open.every(Boolean)) openAfter = failures;
      }
    }
    // In turn across 3 shards: each has threshold − 1 failures when the first reaches the threshold and tells the others.
    expect(openAfter).toBe(SHARDS * (BREAKER_THRESHOLD - 1) + 1);
    // Further deliveries in any shard are held, not sent.
    for (const shard of [0, 1, 2]) {
      expect(await breaker.admit(A, ids[shard]?.[5] as string, 100 + shard, 1_001)).toMatchObject({ kind: 'held', reason: 'breaker-open' });
    }
    const health = await listEndpointHealth(redis, r.prefix, { shards: SHARDS, now: 1_001 });
    expect(health.total).toBe(1);
    expect(health.endpoints[0]).toMatchObject({ endpoint: A, state: 'open', openedAt: 1_000, held: 3 });
    expect(health.endpoints[0]?.shards?.map((s) => s.state)).toEqual(['open', 'open', 'open']);
    // The worker's gauges read the same combined rows: one series for the endpoint, every shard's held deliveries in it.
    const metrics = new WorkerMetrics({ defaultMetrics: false });
    metrics.watchEndpoints(async () => (await listEndpointHealth(redis, r.prefix, { shards: SHARDS, now: 1_001 })).endpoints);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^regionwatch_webhook_breaker_state\{endpoint="https:\/\/a\.example\.com"\} 2$/m);
    expect(text).toMatch(/^regionwatch_webhook_held\{endpoint="https:\/\/a\.example\.com"\} 3$/m);
    expect(text.match(/^regionwatch_webhook_held\{/gm)).toHaveLength(1);

    // The shard that opened probes first (100 ms cooldown); the others a probe lease later (6 s).
    const stepAll = (now: number) => Promise.all(breaker.shards.map((s) => breaker.step(A, now, s)));
    const first = await stepAll(1_100);
    expect(first.filter((released) => released.length > 0)).toHaveLength(1);
    const probeShard = first.findIndex((released) => released.length > 0);
    const probe = first[probeShard]?.[0] as string;
    expect(await breaker.admit(A, probe, 1, 1_100)).toMatchObject({ kind: 'probe' });

    // That probe fails: the others wait for the next one (no probe of theirs at 6.1 s), one probe per cooldown.
    await breaker.report(A, probe, 1, 1_150, failed, HALF);
    const nextAt = Number(await redis.hget(endpointKeys(breaker.shards[probeShard]!.prefix, A).state, 'probeAt'));
    expect(nextAt).toBe(1_150 + 200);
    const othersAt = await Promise.all(
      breaker.shards
        .filter((s) => s.index !== probeShard)
        .map(async (s) => Number(await redis.hget(endpointKeys(s.prefix, A).state, 'probeAt'))),
    );
    expect(othersAt).toEqual([nextAt + breaker.leaseMs, nextAt + breaker.leaseMs]);
    const second = await stepAll(nextAt);
    expect(second.map((released) => released.length)).toEqual(breaker.shards.map((s) => (s.index === probeShard ? 1 : 0)));

    // The next probe succeeds: its shard closes at once, the others probe now and close on their own answer.
    const secondProbe = second[probeShard]?.[0] as string;
    expect(await breaker.admit(A, secondProbe, 1, nextAt)).toMatchObject({ kind: 'probe' });
    expect(await breaker.report(A, secondProbe, 1, nextAt + 10, answered, HALF)).toMatchObject({ state: 'closed' });
    const third = await stepAll(nextAt + 10);
    for (const shard of breaker.shards.filter((s) => s.index !== probeShard)) {
      const [otherProbe] = third[shard.index] as [string];
      expect(await breaker.admit(A, otherProbe, 1, nextAt + 20)).toMatchObject({ kind: 'probe' });
      await breaker.report(A, otherProbe, 1, nextAt + 30, answered, HALF);
    }
    const after = await readEndpointHealth(redis, r.prefix, A, nextAt + 40, SHARDS);
    expect(after?.state).toBe('closed');
    expect(after?.shards?.map((s) => s.state)).toEqual(['closed', 'closed', 'closed']);
  });

  test("WEBHOOK_ENDPOINT_MAX_RPS stays one budget: the shards' windows add up to the cap; at most the cap admitted per second", async ({
    redis: r,
  }) => {
    const { redis, breaker } = setUp(r.url, r.prefix);
    // 20 per second over 3 shards: 7 + 7 + 6 in the same 1.1 s window (ARRIVAL_MARGIN_MS), not a shorter one each.
    expect(breaker.shards.map((s) => s.rate)).toEqual([
      { max: 7, duration: 1_100 },
      { max: 7, duration: 1_100 },
      { max: 6, duration: 1_100 },
    ]);
    expect(breaker.shards.map((s) => s.inflightLimit)).toEqual([34, 33, 33]);
    // A cap below the shard count: every shard still sends, each one request per longer window.
    expect([0, 1, 2].map((i) => endpointShardWindow({ max: 2, duration: 1_000 }, i, 3))).toEqual([
      { max: 1, duration: 1_000 },
      { max: 1, duration: 1_000 },
      { max: 1, duration: 2_000 },
    ]);
    // Every shard hammers its own window at once: together they admit at most 20 (the cap) before any window frees.
    const limiters = breaker.shards.map((s) => {
      const [id] = idsIn(s.index, 'rate', 1) as [string];
      return new RequestRateLimiter(redis, breaker.rateKey(A, id), s.rate.max, s.rate.duration);
    });
    let admitted = 0;
    await Promise.all(
      limiters.map(async (limiter) => {
        for (let i = 0; i < 30; i += 1) {
          const ok = await limiter.acquire().then(
            () => true,
            () => false,
          );
          if (ok) admitted += 1;
        }
      }),
    );
    // The windows are 1.1 s long; the loop sends 90 requests, far faster than a window frees on a working Redis
    // — and if the machine is so slow that one frees, more are admitted only after a whole window (never > 20 per second).
    const entries = await Promise.all(breaker.shards.map((s) => redis.zrange(endpointKeys(s.prefix, A).rate, 0, '-1', 'WITHSCORES')));
    const times = entries.flatMap((e) => e.filter((_, i) => i % 2 === 1).map(Number)).sort((a, b) => a - b);
    let busiest = 0;
    for (let i = 0, j = 0; i < times.length; i += 1) {
      while ((times[i] ?? 0) - (times[j] ?? 0) >= 1_000) j += 1;
      busiest = Math.max(busiest, i - j + 1);
    }
    expect(busiest).toBeLessThanOrEqual(20);
    expect(admitted).toBeGreaterThanOrEqual(20);
  });

  test('POLL_SHARDS=1 keeps the layout without shards: keys under REGIONWATCH_PREFIX, the whole caps', async ({ redis: r }) => {
    const { redis, breaker } = setUp(r.url, r.prefix, 1);
    expect(breaker.shards).toHaveLength(1);
    expect(breaker.shards[0]).toMatchObject({
      prefix: r.prefix,
      rate: { max: 20, duration: 1_100 },
      inflightLimit: 100,
      threshold: BREAKER_THRESHOLD,
    });
    expect(breaker.rateKey(A, 'any')).toBe(endpointKeys(r.prefix, A).rate);
    await breaker.admit(A, 'one', 1, 1_000);
    expect(await redis.zscore(endpointIndexKeys(r.prefix).index, A)).toBe('1000');
  });
});
