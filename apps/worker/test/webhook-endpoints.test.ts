import { endpointOf, readEndpointHealth, webhookDeliveryStateSchema, type WebhookDeliveryState } from '@regionwatch/core';
import { WebhookReceiver, type Delivery } from '@regionwatch/testkit';
import { test } from '@regionwatch/testkit/vitest';
import { Redis } from 'ioredis';
import { afterAll, describe, expect } from 'vitest';
import { createHarness, WEBHOOK_SECRET, type Harness } from './support/harness.js';

// The circuit breaker, the endpoint's line and its rate cap as a running worker applies them: a real
// worker, real Redis, receivers over HTTP. Every wait is on a condition, never on a duration.

const connections: Redis[] = [];
afterAll(() => connections.forEach((c) => c.disconnect()));

async function withHarness(
  redis: { url: string; prefix: string },
  env: Record<string, string>,
  run: (h: Harness, r: Redis) => Promise<void>,
) {
  const h = await createHarness(redis, { env });
  const r = new Redis(redis.url);
  connections.push(r);
  try {
    await h.startWorker();
    await run(h, r);
  } finally {
    await h.close();
  }
}

function createTasks(h: Harness, count: number): string[] {
  return Array.from({ length: count }, () =>
    h.simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed', rectangles: [[[1, 2, 3, 4]]] } }),
  );
}

async function deliveryState(h: Harness, id: string): Promise<WebhookDeliveryState> {
  return webhookDeliveryStateSchema.parse((await h.webhookQueue.getJob(id))?.progress);
}

/** The most requests received in any `windowMs`-long window. */
function busiestWindow(deliveries: readonly Delivery[], windowMs: number): number {
  const times = deliveries.map((d) => d.at).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i += 1) {
    while ((times[i] ?? 0) - (times[j] ?? 0) >= windowMs) j += 1;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('webhook endpoints (circuit breaker, line and rate cap in a running worker)', () => {
  const heldThenDrained =
    'holds deliveries to a failing endpoint without spending attempts, one probe at a time, while another endpoint flows; ' +
    'drains oldest first at the cap';
  test(heldThenDrained, async ({ redis }) => {
    const env = { WEBHOOK_RETRY_SCHEDULE: '100ms,400ms,60s', WEBHOOK_ENDPOINT_MAX_RPS: '5' };
    await withHarness(redis, env, async (h, r) => {
      const a = h.receiver;
      const endpointA = endpointOf(a.url);
      const ids = createTasks(h, 10);
      for (const id of ids) a.failAlways(id, 500);
      a.slow(30); // overlapping probes would show in maxInFlight
      await Promise.all(ids.map((id) => h.producer.track(id, { webhookUrl: a.url })));

      // Five distinct deliveries failing open the breaker; every delivery then waits in A's line.
      await h.waitFor(
        'every delivery to A held',
        async () => {
          const health = await readEndpointHealth(r, redis.prefix, endpointA);
          return health && health.state !== 'closed' && health.held >= ids.length - 1 ? health : undefined;
        },
        30_000,
      );
      const atOpen = a.attempts.length;
      a.maxInFlight = 0;
      await h.waitFor('three more probes', () => (a.attempts.length >= atOpen + 3 ? true : undefined), 30_000);
      expect(a.maxInFlight).toBe(1);

      // Meanwhile B, healthy, is not slowed: its deliveries go at once, while A is still open.
      const b = await new WebhookReceiver(WEBHOOK_SECRET).start();
      try {
        const bIds = createTasks(h, 5);
        await Promise.all(bIds.map((id) => h.producer.track(id, { webhookUrl: b.url })));
        await h.waitFor('B delivered', () => (bIds.every((id) => b.accepted.has(id)) ? true : undefined), 30_000);
        expect((await readEndpointHealth(r, redis.prefix, endpointA))?.state).not.toBe('closed');
        for (const id of bIds) expect((await h.webhookQueue.getJob(id))?.returnvalue).toMatchObject({ attempt: 1 });
        expect(b.attempts).toHaveLength(bIds.length);
      } finally {
        await b.close();
      }

      // Held deliveries spent nothing: every request A saw is one delivery's attempt, BullMQ's attempts untouched,
      // and no delivery used more of the schedule than the two short delays before the breaker opened.
      // Probes go on while A is open: a probe A has received is recorded once its answer is back, so the
      // records are read when they have caught up with every request A saw (between two probes).
      const states = await h.waitFor('every request A saw recorded as one delivery attempt', async () => {
        const read = await Promise.all(ids.map((id) => deliveryState(h, id)));
        return read.reduce((sum, s) => sum + s.attempts, 0) === a.attempts.length ? read : undefined;
      });
      const jobs = await Promise.all(ids.map((id) => h.webhookQueue.getJob(id)));
      expect(jobs.map((job) => job?.attemptsMade)).toEqual(ids.map(() => 0));
      expect(Math.max(...states.map((s) => s.retries))).toBeLessThanOrEqual(2);
      expect(await Promise.all(ids.map((id) => h.webhookQueue.getJobState(id)))).not.toContain('failed');

      // Recovery: the next probe succeeds, the breaker closes, the line drains oldest first at 5 per second.
      const recoveredAt = a.attempts.length;
      for (const id of ids) a.heal(id);
      a.slow(0);
      await h.waitFor('A delivered', () => (ids.every((id) => a.accepted.has(id)) ? true : undefined), 30_000);
      const drained = a.attempts.slice(recoveredAt);
      expect(drained).toHaveLength(ids.length); // one request per delivery: nothing re-posted
      const created = new Map(jobs.map((job) => [job?.id ?? '', job?.timestamp ?? 0]));
      const oldestFirst = [...ids].sort((x, y) => (created.get(x) ?? 0) - (created.get(y) ?? 0) || (x < y ? -1 : 1));
      const [probe, ...released] = drained.map((d) => d.id);
      expect(released).toEqual(oldestFirst.filter((id) => id !== probe));
      expect(busiestWindow(drained, 1_000)).toBeLessThanOrEqual(5);
      // The receiver counts a delivery when it answers; the worker reports it to the breaker a moment later.
      const closed = async () => {
        const health = await readEndpointHealth(r, redis.prefix, endpointA);
        return health?.state === 'closed' && health.held === 0 && health.undelivered === 0 ? health : undefined;
      };
      expect(await h.waitFor('A closed with nothing held', closed, 30_000)).toMatchObject({ state: 'closed', held: 0, undelivered: 0 });
    });
  });

  test('POLL_SHARDS=3: every shard holds a dead endpoint and recovers; the cap holds for the endpoint as a whole', async ({ redis }) => {
    // Retries 2 s and 4 s apart: a shard opens after 5 distinct failures at 2 per 1.1 s (its share of the cap), before
    // a delivery that failed first can fail twice more and wait for its 60 s step (it would then miss the drain below).
    const env = { POLL_SHARDS: '3', WEBHOOK_RETRY_SCHEDULE: '2s,4s,60s', WEBHOOK_ENDPOINT_MAX_RPS: '6' };
    await withHarness(redis, env, async (h, r) => {
      const a = h.receiver;
      const endpointA = endpointOf(a.url);
      const ids = createTasks(h, 24);
      for (const id of ids) a.failAlways(id, 500);
      await Promise.all(ids.map((id) => h.producer.track(id, { webhookUrl: a.url })));
      // Every shard's breaker of A opens (its own failures, or told by another shard), and holds its deliveries.
      const open = await h.waitFor(
        'A open in every shard, every delivery held',
        async () => {
          const health = await readEndpointHealth(r, redis.prefix, endpointA, Date.now(), 3);
          const allOpen = health?.shards?.every((s) => s.state !== 'closed');
          return allOpen && health && health.held >= ids.length - 3 ? health : undefined;
        },
        30_000,
      );
      expect(open.shards).toHaveLength(3);
      // Recovery: probes succeed, every shard closes, every delivery arrives once, at most 6 in any second.
      const recoveredAt = a.attempts.length;
      for (const id of ids) a.heal(id);
      await h.waitFor('A delivered', () => (ids.every((id) => a.accepted.has(id)) ? true : undefined), 30_000);
      const drained = a.attempts.slice(recoveredAt);
      expect(drained.length).toBeGreaterThanOrEqual(ids.length);
      expect(busiestWindow(drained, 1_000)).toBeLessThanOrEqual(6);
      const closed = async () => {
        const health = await readEndpointHealth(r, redis.prefix, endpointA, Date.now(), 3);
        return health?.shards?.every((s) => s.state === 'closed') && health.undelivered === 0 ? health : undefined;
      };
      expect(await h.waitFor('A closed in every shard', closed, 30_000)).toMatchObject({ state: 'closed', held: 0 });
      // Nothing of A's state under the tag: each shard's own.
      expect(await r.keys(`${redis.prefix}:regions-webhooks:endpoint*`)).toEqual([]);
    });
  }, 90_000);

  test('a 429 with Retry-After pauses the whole endpoint until then', async ({ redis }) => {
    await withHarness(redis, { WEBHOOK_RETRY_SCHEDULE: '50ms,50ms,30s' }, async (h) => {
      const a = h.receiver;
      const [first = '', ...rest] = createTasks(h, 4);
      a.script(first, { status: 429, headers: { 'retry-after': '1' } });
      await h.producer.track(first, { webhookUrl: a.url });
      const throttled = await h.waitFor('the 429', () => a.attempts.find((d) => d.id === first));
      await Promise.all(rest.map((id) => h.producer.track(id, { webhookUrl: a.url })));
      await h.waitFor('all delivered', () => ([first, ...rest].every((id) => a.accepted.has(id)) ? true : undefined), 30_000);

      const pauseEnd = throttled.at + 1_000;
      const others = await Promise.all(rest.map((id) => h.webhookQueue.getJob(id)));
      // The other deliveries existed during the pause (so they could have gone) and none went before it ended.
      expect(others.some((job) => (job?.timestamp ?? Infinity) < pauseEnd)).toBe(true);
      for (const d of a.attempts.filter((x) => x !== throttled)) expect(d.at).toBeGreaterThanOrEqual(pauseEnd);
      // The receiver counts a delivery when it answers; the worker completes the job a moment later.
      const receipts = await h.waitFor('every delivery job completed', async () => {
        const values = await Promise.all(rest.map(async (id) => (await h.webhookQueue.getJob(id))?.returnvalue as unknown));
        return values.every((value) => value != null) ? values : undefined;
      });
      for (const receipt of receipts) expect(receipt).toMatchObject({ attempt: 1 });
    });
  });

  test('dead-letters only once the schedule span has passed, time held by the breaker included', async ({ redis }) => {
    await withHarness(redis, { WEBHOOK_RETRY_SCHEDULE: '100ms,100ms' }, async (h) => {
      const a = h.receiver;
      const ids = createTasks(h, 7);
      for (const id of ids) a.failAlways(id, 503);
      await Promise.all(ids.map((id) => h.producer.track(id, { webhookUrl: a.url })));
      await h.waitFor(
        'every delivery dead-lettered',
        async () => ((await Promise.all(ids.map((id) => h.webhookQueue.getJobState(id)))).every((s) => s === 'failed') ? true : undefined),
        30_000,
      );
      const states = await Promise.all(ids.map((id) => deliveryState(h, id)));
      for (const s of states) {
        expect(s.deadlineAt - s.firstAttemptAt).toBe(200);
        expect(s.ended?.at).toBeGreaterThanOrEqual(s.deadlineAt);
      }
      // The breaker opened after five failures: the rest of the schedule was spent held, not attempted.
      const heldOut = states.filter((s) => s.ended?.reason === 'held-expired');
      expect(heldOut.length).toBeGreaterThan(0);
      for (const s of heldOut) expect(s.attempts).toBeLessThan(s.plannedRetries + 1);
      expect(states.reduce((sum, s) => sum + s.attempts, 0)).toBe(a.attempts.length);
      const failedReason = (await h.webhookQueue.getJob(ids[0] ?? ''))?.failedReason;
      expect(failedReason).toMatch(/^webhook /);
    });
  });
});
