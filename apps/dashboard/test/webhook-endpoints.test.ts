import { endpointIndexKeys, endpointKeys, pollShards, WEBHOOK_QUEUE, type WebhookDeliveryState } from '@regionwatch/core';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointsView } from '../src/index.js';
import { serveDashboard, type Served } from './support/serve.js';
import { startWorld, type World } from './support/world.js';

// The endpoint health view: what the worker's breakers keep in Redis, shown redacted. One endpoint is
// real (the world's sink, after a delivery and a dead letter); one is written the way the worker's
// scripts leave an open breaker, with a URL and a token in its last error.

let world: World;
let dashboard: Served;
let redis: Redis;
const DOWN = 'https://down.example.com:8443';

beforeAll(async () => {
  world = await startWorld('dashboard-endpoints');
  await Promise.all([
    world.trackFinished({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed' } }, { webhookUrl: `${world.sink.url}/ok` }),
    world.trackFinished({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed' } }, { webhookUrl: `${world.sink.url}/fail` }),
  ]);
  redis = new Redis(world.url);
  const k = endpointKeys(world.prefix, DOWN);
  const now = Date.now();
  await redis
    .multi()
    .zadd(endpointIndexKeys(world.prefix).index, now, DOWN)
    .hset(k.state, { state: 'open', openedAt: now - 60_000, probeAt: now + 30_000, opens: 3, seenAt: now })
    .hset(k.state, { lastError: 'connect ECONNREFUSED https://user:pa55@down.example.com/hook?token=t0ken', lastErrorAt: now })
    .zadd(k.held, 1, 'held-1', 2, 'held-2', 3, 'held-3')
    .zadd(k.pending, now - 120_000, 'held-1', now - 60_000, 'held-2', now, 'held-3')
    .sadd(k.failing, 'f1', 'f2', 'f3', 'f4', 'f5')
    .exec();
  dashboard = await serveDashboard({ config: world.dashboardConfig(), connection: world.url });
}, 60_000);
afterAll(async () => {
  redis?.disconnect();
  await dashboard?.close();
  await world?.close();
});

describe('webhook endpoints view', () => {
  it('lists each endpoint with its breaker state, held deliveries, oldest age and redacted last error, open ones first', async () => {
    const response = await fetch(`${dashboard.base}/api/webhooks`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const view = (await response.json()) as EndpointsView;
    expect(view.total).toBe(2);
    expect(view.endpoints.map((e) => e.endpoint)).toEqual([DOWN, new URL(world.sink.url).origin]);
    const [down, sink] = view.endpoints;
    expect(down).toMatchObject({ state: 'open', held: 3, undelivered: 3, consecutiveFailures: 5, paused: false });
    expect(down?.oldestUndeliveredSeconds).toBeGreaterThanOrEqual(120);
    expect(Date.parse(down?.nextProbeAt ?? '')).toBeGreaterThan(Date.now());
    expect(down?.lastError).toContain('ECONNREFUSED');
    expect(JSON.stringify(view)).not.toMatch(/pa55|t0ken/);
    // The sink took one delivery and dead-lettered the other (HTTP 500, WEBHOOK_MAX_ATTEMPTS=2).
    expect(sink).toMatchObject({ state: 'closed', held: 0, undelivered: 0, lastError: 'HTTP 500' });
    expect(sink?.lastSuccessAt).toMatch(/^\d{4}-/);
  });

  it('with POLL_SHARDS=3 shows one row per endpoint, combining its three shard states (each shown beside it)', async () => {
    // As the worker leaves them: shard 0 opened (two held), shard 1 told of it but still with a delivery in line
    // from before, shard 2 closed with a success. Under POLL_SHARDS=3's prefixes only: the rows above are not here.
    const SHARDED = 'https://sharded.example.com';
    const now = Date.now();
    const [p0, p1, p2] = pollShards(world.prefix, 3).map((s) => s.prefix) as [string, string, string];
    const k0 = endpointKeys(p0, SHARDED);
    const k1 = endpointKeys(p1, SHARDED);
    const k2 = endpointKeys(p2, SHARDED);
    await redis
      .multi()
      .zadd(endpointIndexKeys(p0).index, now - 5_000, SHARDED)
      .hset(k0.state, {
        state: 'open',
        openedAt: now - 1_000,
        probeAt: now + 30_000,
        seenAt: now,
        lastError: 'HTTP 503',
        lastErrorAt: now - 1_000,
      })
      .zadd(k0.held, 1, 'a', 2, 'b')
      .zadd(k0.pending, now - 90_000, 'a', now - 10_000, 'b')
      .exec();
    await redis
      .multi()
      .zadd(endpointIndexKeys(p1).index, now - 4_000, SHARDED)
      .hset(k1.state, { seenAt: now })
      .zadd(k1.held, 3, 'c')
      .exec();
    await redis
      .multi()
      .zadd(endpointIndexKeys(p2).index, now - 3_000, SHARDED)
      .hset(k2.state, { seenAt: now, lastSuccessAt: now })
      .exec();
    const sharded = await serveDashboard({ config: world.dashboardConfig({ POLL_SHARDS: '3' }), connection: world.url });
    try {
      const view = (await (await fetch(`${sharded.base}/api/webhooks`)).json()) as EndpointsView;
      expect(view.total).toBe(1);
      expect(view.endpoints).toHaveLength(1);
      const [row] = view.endpoints;
      expect(row).toMatchObject({ endpoint: SHARDED, state: 'open', held: 3, undelivered: 2, lastError: 'HTTP 503' });
      expect(row?.oldestUndeliveredSeconds).toBeGreaterThanOrEqual(90);
      expect(row?.lastSuccessAt).toBe(new Date(now).toISOString());
      expect(row?.shards?.map((s) => [s.shard, s.state, s.held])).toEqual([
        [0, 'open', 2],
        [1, 'closed', 1],
        [2, 'closed', 0],
      ]);
      expect(await (await fetch(`${sharded.base}/webhooks`)).text()).toContain('p0 open · p1 closed · p2 closed');
    } finally {
      await sharded.close();
    }
  });

  it('renders them as a page, escaped and redacted, linked from every page', async () => {
    const response = await fetch(`${dashboard.base}/webhooks`);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('<h1>Webhook endpoints</h1>');
    expect(page).toContain(DOWN);
    expect(page).toMatch(/class="state state-failed">open</);
    expect(page).not.toMatch(/pa55|t0ken/);
    expect(await (await fetch(`${dashboard.base}/tasks`)).text()).toContain('href="/webhooks"');
  });

  it("shows on a task's page that its delivery is held by the breaker, and until when it may wait", async () => {
    // A delivery as the worker leaves it while held: a delayed job with its state in `progress`.
    const queue = new Queue(WEBHOOK_QUEUE, { connection: { url: world.url }, prefix: world.prefix });
    try {
      const now = Date.now();
      const job = await queue.add('deliver', { url: `${DOWN}/hook?token=t0ken` }, { jobId: 'held-task-1', delay: 3_600_000 });
      const state: WebhookDeliveryState = {
        endpoint: DOWN,
        attempts: 1,
        retries: 1,
        plannedRetries: 9,
        firstAttemptAt: now - 60_000,
        deadlineAt: now + 3 * 86_400_000,
        lastAttemptAt: now - 55_000,
        lastResult: 'ECONNREFUSED',
        held: { since: now - 30_000, reason: 'breaker-open' },
      };
      await job.updateProgress(state);
      const page = await (await fetch(`${dashboard.base}/tasks/held-task-1`)).text();
      expect(page).toContain('id="delivery-held"');
      expect(page).toContain('held: the endpoint&#39;s circuit breaker is open');
      expect(page).toContain(new Date(state.deadlineAt).toISOString());
      expect(page).toContain('1 of 10 planned');
      expect(page).not.toContain('t0ken');
    } finally {
      await queue.close();
    }
  });
});
