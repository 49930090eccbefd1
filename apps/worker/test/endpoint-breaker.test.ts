import { endpointIndexKeys, endpointKeys, readEndpointHealth } from '@regionwatch/core';
import { test } from '@regionwatch/testkit/vitest';
import { Redis } from 'ioredis';
import { afterAll, describe, expect } from 'vitest';
import { BREAKER_THRESHOLD, EndpointBreaker, GRANT_TTL_MS, type Report } from '../src/index.js';

// The breaker's state machine, driven by a clock the test holds (every script takes `now`), against
// the run's real Redis. Job ids here are plain strings: no BullMQ job is involved at this level.

const connections: Redis[] = [];
afterAll(() => connections.forEach((c) => c.disconnect()));

const A = 'https://a.example.com';
const B = 'https://b.example.com:8443';
const HALF = () => 0.5; // cooldown jitter factor 1.0
const failed: Report = { verdict: 'fail', finished: false, message: 'ECONNREFUSED' };
const delivered: Report = { verdict: 'ok', finished: true, message: '' };

function setUp(url: string, prefix: string, settings: Partial<ConstructorParameters<typeof EndpointBreaker>[2]> = {}) {
  const redis = new Redis(url);
  connections.push(redis);
  const breaker = new EndpointBreaker(redis, prefix, {
    maxRps: 20, // batches of 2 every 100 ms
    timeoutMs: 1_000, // leases of 6 s
    inflightLimit: 100,
    schedule: [100, 1_000], // probes after 100 ms, doubling up to 1 s
    ...settings,
  });
  return { redis, breaker, keys: (endpoint: string) => endpointKeys(prefix, endpoint) };
}

/** Opens A's breaker at `now` with five distinct failing deliveries (ids f1..f5, created at 1..5). */
async function openA(breaker: EndpointBreaker, now: number): Promise<void> {
  for (let i = 1; i <= BREAKER_THRESHOLD; i += 1) {
    expect(await breaker.admit(A, `f${i}`, i, now)).toMatchObject({ kind: 'go' });
    await breaker.report(A, `f${i}`, i, now, failed, HALF);
  }
}

describe('an endpoint circuit breaker', () => {
  test('opens after five distinct deliveries fail in a row, not after one delivery failing five times', async ({ redis: r }) => {
    const { breaker, redis } = setUp(r.url, r.prefix);
    for (let i = 0; i < 7; i += 1) {
      expect(await breaker.admit(A, 'poison', 1, 1_000 + i)).toMatchObject({ kind: 'go' });
      expect(await breaker.report(A, 'poison', 1, 1_000 + i, failed, HALF)).toEqual({ state: 'closed', held: false });
    }
    // An answer of any kind (here a 404) shows the endpoint works: the count starts again.
    for (const id of ['x1', 'x2', 'x3', 'x4']) await breaker.report(A, id, 2, 2_000, failed, HALF);
    await breaker.report(A, 'x5', 2, 2_000, { verdict: 'alive', finished: false, message: 'HTTP 404' }, HALF);
    expect((await readEndpointHealth(redis, r.prefix, A, 2_000))?.consecutiveFailures).toBe(0);

    await openA(breaker, 3_000);
    expect(await readEndpointHealth(redis, r.prefix, A, 3_000)).toMatchObject({
      state: 'open',
      consecutiveFailures: 5,
      openedAt: 3_000,
      nextProbeAt: 3_100,
      lastError: 'ECONNREFUSED',
    });
  });

  test('holds every delivery while open, lets one probe out when the cooldown is over, and only one', async ({ redis: r }) => {
    const { breaker, redis, keys } = setUp(r.url, r.prefix);
    await openA(breaker, 10_000);
    expect(await breaker.admit(A, 'd1', 100, 10_050)).toMatchObject({ kind: 'held', reason: 'breaker-open' });
    expect(await breaker.admit(A, 'd2', 101, 10_060)).toMatchObject({ kind: 'held', reason: 'breaker-open' });
    // The scheduler is asked to look at A when the cooldown ends: one timer for the endpoint, not one per delivery.
    const { timers } = endpointIndexKeys(r.prefix);
    expect(await redis.zrange(timers, 0, '-1', 'WITHSCORES')).toEqual([A, '10100']);
    expect(await breaker.step(A, 10_099)).toEqual([]); // not due yet

    // Cooldown over: the oldest held delivery is released as the probe; the endpoint is half-open.
    expect(await breaker.step(A, 10_100)).toEqual(['d1']);
    expect((await readEndpointHealth(redis, r.prefix, A, 10_100))?.state).toBe('half-open');
    expect(await breaker.admit(A, 'd3', 102, 10_110)).toMatchObject({ kind: 'held', reason: 'breaker-open' });
    expect(await breaker.admit(A, 'd1', 100, 10_120)).toMatchObject({ kind: 'probe' });
    expect(await breaker.admit(A, 'd2', 101, 10_130)).toMatchObject({ kind: 'held' });
    expect(await redis.zrange(keys(A).held, 0, '-1')).toEqual(['d2', 'd3']);
  });

  test('a failed probe keeps it open with a doubled cooldown, back in line; the next probe is another delivery', async ({ redis: r }) => {
    const { breaker, redis, keys } = setUp(r.url, r.prefix);
    await openA(breaker, 0);
    for (const [id, order] of [
      ['h1', 10],
      ['h2', 11],
      ['h3', 12],
    ] as const)
      await breaker.admit(A, id, order, 50);
    expect(await breaker.step(A, 100)).toEqual(['h1']);
    expect(await breaker.admit(A, 'h1', 10, 110)).toMatchObject({ kind: 'probe' });
    expect(await breaker.report(A, 'h1', 10, 120, failed, HALF)).toEqual({ state: 'open', held: true });
    expect(await redis.zrange(keys(A).held, 0, '-1')).toEqual(['h1', 'h2', 'h3']); // h1 back at its place
    expect(await readEndpointHealth(redis, r.prefix, A, 120)).toMatchObject({ state: 'open', nextProbeAt: 320 }); // 2 × 100 ms

    expect(await breaker.step(A, 320)).toEqual(['h2']); // not h1 again: probes rotate
    await breaker.admit(A, 'h2', 11, 320);
    await breaker.report(A, 'h2', 11, 330, failed, HALF);
    expect((await readEndpointHealth(redis, r.prefix, A, 330))?.nextProbeAt).toBe(730); // 4 × 100
    expect(await breaker.step(A, 730)).toEqual(['h3']);
    await breaker.admit(A, 'h3', 12, 730);
    await breaker.report(A, 'h3', 12, 740, failed, HALF);
    expect((await readEndpointHealth(redis, r.prefix, A, 740))?.nextProbeAt).toBe(1_540); // 8 × 100
    expect(await breaker.step(A, 1_540)).toEqual(['h1']); // every one tried: start over, oldest first
    await breaker.admit(A, 'h1', 10, 1_540);
    await breaker.report(A, 'h1', 10, 1_550, failed, HALF);
    expect((await readEndpointHealth(redis, r.prefix, A, 1_550))?.nextProbeAt).toBe(2_550); // capped at 1 s
  });

  test('a probe whose replica died is replaced once its lease runs out', async ({ redis: r }) => {
    const { breaker, redis } = setUp(r.url, r.prefix);
    await openA(breaker, 0);
    await breaker.admit(A, 'p1', 10, 10);
    await breaker.admit(A, 'p2', 11, 10);
    expect(await breaker.step(A, 100)).toEqual(['p1']);
    expect(await breaker.admit(A, 'p1', 10, 100)).toMatchObject({ kind: 'probe' });
    // p1's replica is SIGKILLed mid-request: no report ever comes. Until the lease (timeout + 5 s) runs out, nothing else goes.
    expect(await breaker.step(A, 6_099)).toEqual([]);
    expect(await breaker.admit(A, 'p2', 11, 6_099)).toMatchObject({ kind: 'held' });
    expect(await breaker.step(A, 6_100)).toEqual(['p2']);
    expect((await redis.hget(endpointKeys(r.prefix, A).state, 'probesLost')) ?? '').toBe('1');
  });

  test('closes on recovery and releases held deliveries oldest first, a batch per interval', async ({ redis: r }) => {
    const { breaker, redis, keys } = setUp(r.url, r.prefix);
    await openA(breaker, 0);
    // Twelve held deliveries, created in a shuffled order: the line is by creation time.
    const orders = [7, 3, 11, 1, 9, 5, 12, 2, 8, 4, 10, 6];
    for (const order of orders) await breaker.admit(A, `q${order}`, order, 50);
    expect(await breaker.step(A, 100)).toEqual(['q1']);
    await breaker.admit(A, 'q1', 1, 100);
    expect(await breaker.report(A, 'q1', 1, 110, delivered, HALF)).toEqual({ state: 'closed', held: false });
    expect((await readEndpointHealth(redis, r.prefix, A, 110))?.state).toBe('closed');

    // Closed with a line: the scheduler looks at once, then every 100 ms, two at a time (20 per second).
    expect(await breaker.step(A, 110)).toEqual(['q2', 'q3']);
    // Released deliveries that have not started yet hold their places: nothing more goes.
    expect(await breaker.step(A, 210)).toEqual([]);
    for (const [id, order] of [
      ['q2', 2],
      ['q3', 3],
    ] as const) {
      expect(await breaker.admit(A, id, order, 215)).toMatchObject({ kind: 'go' });
      await breaker.report(A, id, order, 220, delivered, HALF);
    }
    expect(await breaker.step(A, 310)).toEqual(['q4', 'q5']);
    // A new delivery arriving meanwhile waits behind the line, not in front of it.
    expect(await breaker.admit(A, 'new', 100, 311)).toMatchObject({ kind: 'held', reason: 'queued' });
    expect((await redis.zrange(keys(A).held, 0, '-1')).at(-1)).toBe('new');
    // A delivery that woke by itself (its own timer) while others wait is not let through either.
    expect(await breaker.admit(A, 'q9', 9, 312)).toMatchObject({ kind: 'held', reason: 'queued' });
  });

  test('releases again a delivery released but never started (its replica died before moving it)', async ({ redis: r }) => {
    const { breaker } = setUp(r.url, r.prefix);
    await openA(breaker, 0);
    for (const [id, order] of [
      ['g1', 1],
      ['g2', 2],
      ['g3', 3],
    ] as const)
      await breaker.admit(A, id, order, 10);
    await breaker.step(A, 100); // probe g1
    await breaker.admit(A, 'g1', 1, 100);
    await breaker.report(A, 'g1', 1, 100, delivered, HALF);
    expect(await breaker.step(A, 100)).toEqual(['g2', 'g3']);
    expect(await breaker.step(A, 100 + GRANT_TTL_MS - 1)).toEqual([]);
    expect(await breaker.step(A, 100 + GRANT_TTL_MS + 100)).toEqual(['g2', 'g3']); // the next step after the TTL
  });

  test('429 or 503 with Retry-After pauses the whole endpoint until then', async ({ redis: r }) => {
    const { breaker, redis } = setUp(r.url, r.prefix);
    await breaker.admit(A, 't1', 1, 0);
    await breaker.report(A, 't1', 1, 0, { verdict: 'alive', finished: false, message: 'HTTP 429', pauseUntil: 2_000 }, HALF);
    expect(await readEndpointHealth(redis, r.prefix, A, 10)).toMatchObject({ state: 'closed', pausedUntil: 2_000 });
    expect(await breaker.admit(A, 't2', 2, 10)).toMatchObject({ kind: 'held', reason: 'paused' });
    expect(await breaker.admit(A, 't1', 1, 20)).toMatchObject({ kind: 'held', reason: 'paused' });
    expect(await breaker.step(A, 1_999)).toEqual([]);
    expect(await breaker.step(A, 2_000)).toEqual(['t1', 't2']);
    expect((await readEndpointHealth(redis, r.prefix, A, 2_000))?.pausedUntil).toBeNull();
  });

  test('one endpoint held does not hold another', async ({ redis: r }) => {
    const { breaker } = setUp(r.url, r.prefix);
    await openA(breaker, 0);
    expect(await breaker.admit(A, 'a1', 1, 10)).toMatchObject({ kind: 'held' });
    expect(await breaker.admit(B, 'b1', 1, 10)).toMatchObject({ kind: 'go' });
    expect(await breaker.report(B, 'b1', 1, 11, delivered, HALF)).toEqual({ state: 'closed', held: false });
  });

  test('caps requests in flight to one endpoint across replicas', async ({ redis: r }) => {
    const { breaker } = setUp(r.url, r.prefix, { inflightLimit: 2 });
    expect(await breaker.admit(A, 'i1', 1, 0)).toMatchObject({ kind: 'go' });
    expect(await breaker.admit(A, 'i2', 2, 0)).toMatchObject({ kind: 'go' });
    expect(await breaker.admit(A, 'i3', 3, 0)).toMatchObject({ kind: 'held', reason: 'queued' });
    await breaker.report(A, 'i1', 1, 5, delivered, HALF);
    expect(await breaker.step(A, 5)).toEqual(['i3']);
    expect(await breaker.admit(A, 'i3', 3, 6)).toMatchObject({ kind: 'go' });
    // A lease left by a replica that died mid-request runs out (timeout + 5 s).
    expect(await breaker.admit(A, 'i4', 4, 6)).toMatchObject({ kind: 'held' });
    expect(await breaker.step(A, 6_001)).toEqual(['i4']);
  });

  test('keeps one timer and a short read per step however many deliveries are held', async ({ redis: r }) => {
    const { breaker, redis, keys } = setUp(r.url, r.prefix);
    await openA(breaker, 0);
    const admits = Array.from({ length: 10_000 }, (_, i) => breaker.admit(A, `m${i}`, 1_000 + i, 10));
    expect(new Set((await Promise.all(admits)).map((a) => a.kind))).toEqual(new Set(['held']));
    expect(await redis.zcard(keys(A).held)).toBe(10_000);
    expect(await redis.zcard(endpointIndexKeys(r.prefix).timers)).toBe(1);
    expect(await breaker.step(A, 50)).toEqual([]); // cooldown not over: nothing read beyond the endpoint's hash
    expect(await breaker.step(A, 100)).toEqual(['m0']); // one probe, whatever the line's length
  });

  test('forgets a delivery everywhere, and prunes endpoints idle for a week that hold nothing', async ({ redis: r }) => {
    const { breaker, redis, keys } = setUp(r.url, r.prefix);
    await breaker.admit(A, 'z1', 1, 0);
    await breaker.admit(B, 'z2', 1, 0);
    await breaker.report(B, 'z2', 1, 0, delivered, HALF);
    await breaker.forget(A, 'z1');
    expect(await redis.zcard(keys(A).pending)).toBe(0);
    expect(await breaker.prune(A, 0)).toBe(false); // seen at 0: not idle before 0
    expect(await breaker.prune(A, 1)).toBe(true);
    expect(await redis.exists(keys(A).state)).toBe(0);
    expect(await redis.zrange(endpointIndexKeys(r.prefix).index, 0, '-1')).toEqual([B]);
  });

  test('ranks endpoints in the order first seen, for the metrics', async ({ redis: r }) => {
    const { breaker } = setUp(r.url, r.prefix);
    expect(await breaker.admit(B, 'k1', 1, 5)).toMatchObject({ rank: 0 });
    expect(await breaker.admit(A, 'k2', 1, 6)).toMatchObject({ rank: 1 });
    expect(await breaker.admit(B, 'k3', 1, 7)).toMatchObject({ rank: 0 });
  });
});
