import {
  createLogger,
  endpointOf,
  readEndpointHealth,
  webhookDeliveryStateSchema,
  WEBHOOK_QUEUE,
  type RedisClient,
  type WebhookDeliveryState,
} from '@regionwatch/core';
import { regionResult, WebhookReceiver, type ReceiverAnswer } from '@regionwatch/testkit';
import { test, type TestRedis } from '@regionwatch/testkit/vitest';
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect } from 'vitest';
import { createWebhookProcessor, EndpointBreaker, replayDeadLetters, webhookQueues, WorkerMetrics } from '../src/index.js';
import type { Report } from '../src/webhook/endpoint-breaker.js';
import { LogCapture, WEBHOOK_SECRET } from './support/harness.js';

// The webhook processor one run at a time, without a Worker loop: a real delivery job taken with a lock token from
// a real Redis, a real receiver that verifies every request with the `standardwebhooks` library, an injected clock
// and jitter. What is checked comes from the contract (Standard Webhooks headers, the documented retry rule, the
// status table in docs/guarantees.md), worked out by hand: never read back through the processor's own helpers.

const SCHEDULE = [1_000, 2_000]; // span 3 s
const JITTER = 0.5; // random() → each delay is 10 % longer: 1 100 ms, then 2 200 ms

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

type WorldOptions = {
  /** WEBHOOK_SECRET; `null`: not set. */
  secrets?: readonly string[] | null;
  /** WEBHOOK_ALLOW_PRIVATE (default true: the receiver listens on 127.0.0.1). */
  allowPrivate?: boolean;
  /** WEBHOOK_ENDPOINT_MAX_RPS for the processor's per-endpoint rate limiter (default 1 000). */
  endpointMaxRps?: number;
  /** The connection the per-endpoint rate limiter runs its script on (default the shared one). */
  limiterRedis?: RedisClient;
};

async function world(redis: TestRedis, schedule: readonly number[] = SCHEDULE, options: WorldOptions = {}) {
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const webhookQueue = new Queue(WEBHOOK_QUEUE, { connection, prefix: redis.prefix });
  const consumer = new Worker(WEBHOOK_QUEUE, null, { connection: { url: redis.url }, prefix: redis.prefix, lockDuration: 600_000 });
  const receiver = await new WebhookReceiver(WEBHOOK_SECRET).start();
  const metrics = new WorkerMetrics({ defaultMetrics: false });
  const logs = new LogCapture();
  let now = Date.now(); // near the real time: the receiver checks webhook-timestamp against its own clock (5 min)
  const breaker = new EndpointBreaker(connection, redis.prefix, {
    maxRps: options.endpointMaxRps ?? 1_000,
    timeoutMs: 5_000,
    inflightLimit: 4,
    schedule: SCHEDULE,
  });
  const processor = createWebhookProcessor({
    secrets: options.secrets === null ? undefined : (options.secrets ?? [WEBHOOK_SECRET]),
    allowPrivate: options.allowPrivate ?? true, // the receiver listens on 127.0.0.1
    timeoutMs: 5_000,
    schedule,
    breaker,
    redis: options.limiterRedis ?? connection,
    webhookQueues: webhookQueues([webhookQueue]),
    metrics,
    logger: createLogger({ level: 'debug', destination: logs }),
    now: () => now,
    random: () => JITTER,
  });
  closers.push(async () => {
    await processor.close();
    await consumer.close();
    await webhookQueue.close();
    await receiver.close();
    connection.disconnect();
  });

  let taken = 0;
  /** One run of the processor on the delivery, as a Worker would start it (the job promoted first when it sleeps). */
  async function run(taskId: string): Promise<{ receipt?: unknown; error?: unknown }> {
    if ((await webhookQueue.getJobState(taskId)) === 'delayed') await webhookQueue.backend.promote(taskId);
    const token = `token-${++taken}`;
    const job = (await consumer.getNextJob(token, { block: false })) as Job | undefined;
    expect(job?.id).toBe(taskId);
    try {
      return { receipt: await processor(job as Job, token) };
    } catch (error) {
      if (error instanceof UnrecoverableError) await (job as Job).moveToFailed(error, token, false);
      return { error };
    }
  }
  async function state(taskId: string): Promise<WebhookDeliveryState> {
    return webhookDeliveryStateSchema.parse((await webhookQueue.getJob(taskId))?.progress);
  }
  async function deliver(taskId: string, ...answers: ReceiverAnswer[]) {
    return deliverAs(taskId, taskId, ...answers);
  }
  /** A delivery whose job id is not the task id (a task's second webhook destination: `<taskId>+1`). */
  async function deliverAs(jobId: string, taskId: string, ...answers: ReceiverAnswer[]) {
    return deliverTo(receiver.url, jobId, taskId, ...answers);
  }
  async function deliverTo(url: string, jobId: string, taskId: string, ...answers: ReceiverAnswer[]) {
    receiver.script(taskId, ...answers);
    const event = {
      type: 'regions.completed' as const,
      timestamp: '2026-11-28T10:01:00.000Z',
      data: regionResult(taskId, { metadata: { note: 'ünïcode' }, polls: 3 }),
    };
    await webhookQueue.add('webhook', { url, event }, { jobId, attempts: 20 });
    return event;
  }
  const counted = async (counter: 'webhookDeliveries' | 'webhookAttempts') =>
    Object.fromEntries((await metrics[counter].get()).values.filter((v) => v.value > 0).map((v) => [String(v.labels['outcome']), v.value]));
  /** The endpoint's health as the dashboard and metrics read it from Redis (what the breaker was told). */
  const health = async () => readEndpointHealth(connection, redis.prefix, endpointOf(receiver.url), now);
  /** The log lines with this message, parsed. */
  const logged = (message: string) =>
    logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['msg'] === message);
  return {
    receiver,
    health,
    logged,
    webhookQueue,
    processor,
    consumer,
    run,
    state,
    deliver,
    deliverAs,
    deliverTo,
    counted,
    breaker,
    connection,
    endpoint: endpointOf(receiver.url),
    advanceTo: (at: number) => void (now = at),
    now: () => now,
  };
}

describe('webhook processor, one run at a time', () => {
  test('every attempt is signed (Standard Webhooks) over the same body and webhook-id; the timestamp is the attempt’s', async ({
    redis,
  }) => {
    const w = await world(redis);
    const event = await w.deliver('wp-sign', { status: 500 });
    const t0 = w.now();
    expect((await w.run('wp-sign')).error).toBeInstanceOf(DelayedError);
    w.advanceTo(t0 + 1_100);
    const second = await w.run('wp-sign');
    expect(second.receipt).toEqual({ statusCode: 200, attempt: 2, deliveredAt: new Date(t0 + 1_100).toISOString() });

    const attempts = w.receiver.attempts.filter((a) => a.id === 'wp-sign');
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts) {
      expect(attempt.verified).toBe(true); // standardwebhooks verified id.timestamp.body with the secret
      expect(attempt.body).toEqual(event);
      // Who sends it, for the receiver's allow-lists and logs; JSON, as the signature covers the body as sent.
      expect(attempt.headers).toMatchObject({
        'webhook-id': 'wp-sign',
        'content-type': 'application/json',
        'user-agent': 'regionwatch-webhooks',
      });
    }
    expect(attempts.map((a) => Number(a.headers['webhook-timestamp']))).toEqual([Math.floor(t0 / 1000), Math.floor((t0 + 1_100) / 1000)]);
    expect(w.receiver.unverified).toBe(0);
  });

  test('a failed attempt plans the next per the schedule (delay + jitter), saves it in the job and sleeps as a delayed job', async ({
    redis,
  }) => {
    const w = await world(redis);
    await w.deliver('wp-retry', { status: 500 }, { status: 404 });
    const t0 = w.now();
    expect((await w.run('wp-retry')).error).toBeInstanceOf(DelayedError);
    expect(await w.webhookQueue.getJobState('wp-retry')).toBe('delayed');
    expect(await w.state('wp-retry')).toMatchObject({
      attempts: 1,
      retries: 1,
      firstAttemptAt: t0,
      deadlineAt: t0 + 3_000,
      lastAttemptAt: t0,
      lastResult: 'HTTP 500',
      nextAttemptAt: t0 + 1_100,
    });
    expect((await w.webhookQueue.getJob('wp-retry'))?.delay).toBe(1_100); // sleeps exactly until then
    expect((await w.webhookQueue.getJob('wp-retry'))?.attemptsMade).toBe(0); // a planned retry spends none of BullMQ's attempts

    w.advanceTo(t0 + 1_100);
    expect((await w.run('wp-retry')).error).toBeInstanceOf(DelayedError); // 404: this delivery fails, retried too
    expect(await w.state('wp-retry')).toMatchObject({ attempts: 2, retries: 2, lastResult: 'HTTP 404', nextAttemptAt: t0 + 1_100 + 2_200 });
    expect(await w.counted('webhookDeliveries')).toEqual({ retry: 2 });
    expect(await w.counted('webhookAttempts')).toEqual({ server_error: 1, rejected: 1 });
    // The endpoint still owes this delivery; its last error is the last answer.
    expect(await w.health()).toMatchObject({ undelivered: 1, lastError: 'HTTP 404' });
    expect(w.logged('webhook attempt failed').map((l) => [l['level'], l['result'], l['attempts'], l['nextAttemptAt']])).toEqual([
      ['warn', 'HTTP 500', 1, new Date(t0 + 1_100).toISOString()],
      ['warn', 'HTTP 404', 2, new Date(t0 + 3_300).toISOString()],
    ]);
  });

  test('after the last scheduled retry, once the span has passed, the delivery is dead-lettered saying why', async ({ redis }) => {
    const w = await world(redis);
    await w.deliver('wp-dead', { status: 500 }, { status: 502 }, { status: 503 });
    const t0 = w.now();
    await w.run('wp-dead');
    w.advanceTo(t0 + 1_100);
    await w.run('wp-dead');
    w.advanceTo(t0 + 3_300); // past the deadline (t0 + 3 s)
    const { error } = await w.run('wp-dead');
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toBe('webhook receiver answered HTTP 503; gave up after 3 attempts over 3.3s');
    expect(await w.webhookQueue.getJobState('wp-dead')).toBe('failed');
    const ended = await w.state('wp-dead');
    expect(ended.ended).toEqual({ reason: 'exhausted', at: t0 + 3_300, message: (error as Error).message });
    expect(ended.nextAttemptAt).toBeUndefined(); // nothing planned any more
    expect(await w.counted('webhookDeliveries')).toEqual({ retry: 2, dead_letter: 1 });
    expect(w.receiver.attempts.filter((a) => a.id === 'wp-dead')).toHaveLength(3);
    expect(await w.health()).toMatchObject({ undelivered: 0, lastError: 'HTTP 503' }); // finished: the endpoint owes nothing
    const [dead] = w.logged('webhook receiver answered HTTP 503; gave up after 3 attempts over 3.3s');
    expect(dead).toMatchObject({ level: 'error', reason: 'exhausted', attempts: 3, taskId: 'wp-dead', jobId: 'wp-dead' });
    expect(dead).toMatchObject({ endpoint: endpointOf(w.receiver.url), url: w.receiver.url }); // no secret in them to redact
  });

  test('an unreachable receiver is a failed attempt that says so, and the dead letter names it unreachable', async ({ redis }) => {
    const w = await world(redis);
    await w.deliver('wp-down');
    await w.receiver.down();
    const t0 = w.now();
    expect((await w.run('wp-down')).error).toBeInstanceOf(DelayedError);
    expect(await w.state('wp-down')).toMatchObject({ attempts: 1, lastResult: 'ECONNREFUSED' });
    w.advanceTo(t0 + 1_100);
    await w.run('wp-down');
    w.advanceTo(t0 + 3_300);
    const { error } = await w.run('wp-down');
    expect((error as Error).message).toBe('webhook receiver unreachable (ECONNREFUSED); gave up after 3 attempts over 3.3s');
    expect(await w.counted('webhookAttempts')).toEqual({ unreachable: 3 });
  });

  test.for([200, 204, 299])('HTTP %i is delivered at once: the receipt, one attempt, nothing planned', async (status, { redis }) => {
    const w = await world(redis);
    const id = `wp-ok-${status}`;
    await w.deliver(id, { status });
    const { receipt } = await w.run(id);
    expect(receipt).toEqual({ statusCode: status, attempt: 1, deliveredAt: new Date(w.now()).toISOString() });
    expect(await w.counted('webhookDeliveries')).toEqual({ delivered: 1 });
    expect(await w.health()).toMatchObject({ undelivered: 0, consecutiveFailures: 0, lastError: null });
    expect(w.logged('webhook delivered')).toMatchObject([{ level: 'info', statusCode: status, attempts: 1 }]);
  });

  test('410 Gone stops the delivery after one attempt: failed, reason gone, no retry', async ({ redis }) => {
    const w = await world(redis);
    await w.deliver('wp-gone', { status: 410 });
    const { error } = await w.run('wp-gone');
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toBe('webhook receiver answered 410 Gone: delivery stopped');
    expect((await w.state('wp-gone')).ended).toMatchObject({ reason: 'gone' });
    expect(await w.counted('webhookDeliveries')).toEqual({ gone: 1 });
    expect(await w.health()).toMatchObject({ undelivered: 0 });
    expect(w.receiver.attempts.filter((a) => a.id === 'wp-gone')).toHaveLength(1);
  });

  test('a receiver’s Retry-After longer than the schedule’s delay sets the next attempt', async ({ redis }) => {
    const w = await world(redis);
    await w.deliver('wp-later', { status: 429, headers: { 'retry-after': '30' } });
    const t0 = w.now();
    expect((await w.run('wp-later')).error).toBeInstanceOf(DelayedError);
    expect(await w.state('wp-later')).toMatchObject({ attempts: 1, retries: 1, lastResult: 'HTTP 429', nextAttemptAt: t0 + 30_000 });
    expect(await w.counted('webhookAttempts')).toEqual({ throttled: 1 });
  });

  test('a dead letter replayed starts a fresh schedule from its next run, counting the replay', async ({ redis }) => {
    const w = await world(redis);
    await w.deliver('wp-replay', { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    const t0 = w.now();
    await w.run('wp-replay');
    w.advanceTo(t0 + 1_100);
    await w.run('wp-replay');
    w.advanceTo(t0 + 3_300);
    expect((await w.run('wp-replay')).error).toBeInstanceOf(UnrecoverableError);

    expect(await replayDeadLetters(webhookQueues([w.webhookQueue]), ['wp-replay'])).toEqual([{ taskId: 'wp-replay', outcome: 'replayed' }]);
    w.advanceTo(t0 + 60_000);
    expect((await w.run('wp-replay')).error).toBeInstanceOf(DelayedError);
    const state = await w.state('wp-replay');
    expect(state).toMatchObject({ attempts: 1, retries: 1, replays: 1, firstAttemptAt: t0 + 60_000, deadlineAt: t0 + 63_000 });
    expect(state.ended).toBeUndefined();
  });

  test('a retry needs the job’s lock token (a processor run outside a BullMQ Worker cannot move the job)', async ({ redis }) => {
    const w = await world(redis);
    await w.deliver('wp-token', { status: 500 });
    const job = await w.consumer.getNextJob('the-token', { block: false });
    const error = await w.processor(job).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(DelayedError);
    expect((error as Error).message).toMatch(/lock token/);
    expect(await w.webhookQueue.getJobState('wp-token')).toBe('active'); // not moved
  });

  test('while its endpoint is paused (503 + Retry-After) a delivery is held, not sent; held past its deadline it is dead-lettered', async ({
    redis,
  }) => {
    const w = await world(redis);
    await w.deliver('wp-pauser', { status: 503, headers: { 'retry-after': '30' } });
    const paused = w.now();
    expect((await w.run('wp-pauser')).error).toBeInstanceOf(DelayedError); // the endpoint waits 30 s
    expect(await w.health()).toMatchObject({ pausedUntil: paused + 30_000 });
    await w.deliver('wp-held');
    const t0 = w.now();
    expect((await w.run('wp-held')).error).toBeInstanceOf(DelayedError);
    const held = await w.state('wp-held');
    expect(held).toMatchObject({ attempts: 0, retries: 0, held: { since: t0, reason: 'paused' } });
    expect(held.nextAttemptAt).toBeUndefined();
    expect((await w.webhookQueue.getJob('wp-held'))?.delay).toBe(3_000); // it sleeps until its deadline at most

    w.advanceTo(t0 + 1_000); // woken early (a lost timer healed, say), still paused: held again, since the first time
    expect((await w.run('wp-held')).error).toBeInstanceOf(DelayedError);
    expect(await w.state('wp-held')).toMatchObject({ attempts: 0, held: { since: t0, reason: 'paused' } });

    w.advanceTo(t0 + 3_000); // its whole schedule's span, held (the pause lasts until t0 + 30 s)
    const { error } = await w.run('wp-held');
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toMatch(
      /^webhook endpoint .* kept failing \(circuit breaker paused\) for the whole retry schedule \(3s\); last: never attempted$/,
    );
    const expired = await w.state('wp-held');
    expect(expired).toMatchObject({ attempts: 0, ended: { reason: 'held-expired', at: t0 + 3_000 } });
    expect(expired.held).toBeUndefined();
    expect(await w.counted('webhookDeliveries')).toEqual({ retry: 1, dead_letter: 1 }); // the pauser's retry, this dead letter
    expect(w.receiver.attempts.some((a) => a.id === 'wp-held')).toBe(false);
  });

  test('with no retries configured the first failure is the dead letter: one attempt, said in the singular', async ({ redis }) => {
    const w = await world(redis, []);
    await w.deliver('wp-once', { status: 500 });
    const { error } = await w.run('wp-once');
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toBe('webhook receiver answered HTTP 500; gave up after 1 attempt over 0ms');
    expect(await w.state('wp-once')).toMatchObject({ attempts: 1, plannedRetries: 0, ended: { reason: 'exhausted' } });
  });

  test('a failed probe of an open breaker spends no retry: the delivery goes back in line, held; the opening is logged once', async ({
    redis,
  }) => {
    const w = await world(redis);
    // Five distinct deliveries failing in a row open the endpoint's breaker; the fifth says so (debug).
    const t0 = w.now();
    for (let i = 1; i <= 5; i++) {
      await w.deliver(`wp-open-${i}`, { status: 500 });
      expect((await w.run(`wp-open-${i}`)).error).toBeInstanceOf(DelayedError);
    }
    expect(w.logged('webhook endpoint failing: its circuit breaker is open')).toMatchObject([
      { level: 'debug', result: 'HTTP 500', taskId: 'wp-open-5' },
    ]);
    await w.deliver('wp-probe', { status: 502 });
    expect((await w.run('wp-probe')).error).toBeInstanceOf(DelayedError);
    expect(await w.state('wp-probe')).toMatchObject({ attempts: 0, held: { since: t0, reason: 'breaker-open' } });

    w.advanceTo(t0 + 1_000); // the breaker's first cooldown (the schedule's first delay) is over: this one probes
    expect((await w.run('wp-probe')).error).toBeInstanceOf(DelayedError);
    expect(w.receiver.attempts.filter((a) => a.id === 'wp-probe')).toHaveLength(1);
    const state = await w.state('wp-probe');
    expect(state).toMatchObject({ attempts: 1, retries: 0, lastResult: 'HTTP 502', held: { reason: 'breaker-open' } });
    expect(state.nextAttemptAt).toBeUndefined();
    expect(state.ended).toBeUndefined();
    expect(await w.counted('webhookDeliveries')).toEqual({ retry: 5 }); // the probe was not a retry
    expect(await w.health()).toMatchObject({ state: 'open', undelivered: 6 });
    expect(w.logged('webhook endpoint failing: its circuit breaker is open')).toHaveLength(1); // not again for the probe
  });

  test('a task’s second destination (job <taskId>+1) sleeps and retries as its own job, with the task id as webhook-id', async ({
    redis,
  }) => {
    const w = await world(redis);
    await w.deliverAs('wp-two+1', 'wp-two', { status: 500 });
    const t0 = w.now();
    expect((await w.run('wp-two+1')).error).toBeInstanceOf(DelayedError);
    expect(await w.webhookQueue.getJobState('wp-two+1')).toBe('delayed');
    expect(await w.state('wp-two+1')).toMatchObject({ attempts: 1, nextAttemptAt: t0 + 1_100 });
    w.advanceTo(t0 + 1_100);
    expect((await w.run('wp-two+1')).receipt).toMatchObject({ statusCode: 200, attempt: 2 });
    expect(w.receiver.attempts.map((a) => a.headers['webhook-id'])).toEqual(['wp-two', 'wp-two']);
  });
});

describe('webhook processor: refusals, the endpoint’s rate, and its breaker’s line', () => {
  test('job data that is not a delivery fails at once, its message naming the field (or `data`, the whole value)', async ({ redis }) => {
    const w = await world(redis);
    await w.webhookQueue.add('webhook', 'not an object', { jobId: 'wp-bad-data' });
    const { error } = await w.run('wp-bad-data');
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toMatch(/^invalid webhook job data \(data: .+\)$/);
    expect(w.receiver.attempts).toHaveLength(0);
  });

  test('without WEBHOOK_SECRET nothing is sent: the delivery is dead-lettered at once, counted as refused', async ({ redis }) => {
    const w = await world(redis, SCHEDULE, { secrets: null });
    await w.deliver('wp-unsigned');
    const { error } = await w.run('wp-unsigned');
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toBe('WEBHOOK_SECRET is not set, so the webhook cannot be signed; set it and replay this delivery');
    expect((await w.state('wp-unsigned')).ended).toMatchObject({ reason: 'no-secret' });
    expect(await w.counted('webhookDeliveries')).toEqual({ refused: 1 });
    expect(w.receiver.attempts).toHaveLength(0);
  });

  test('a private address is refused, not retried, counted as refused: an IP literal up front, a name at connect time', async ({
    redis,
  }) => {
    const w = await world(redis, SCHEDULE, { allowPrivate: false });
    await w.deliver('wp-literal'); // the receiver's URL: http://127.0.0.1:<port>/hooks
    const literal = await w.run('wp-literal');
    expect(literal.error).toBeInstanceOf(UnrecoverableError);
    expect((await w.state('wp-literal')).ended).toMatchObject({ reason: 'private-address' });
    expect(await w.counted('webhookDeliveries')).toEqual({ refused: 1 });

    // `localhost` is no IP literal: it passes the up-front check and is refused when undici connects to what it resolves to.
    const byName = w.receiver.url.replace('127.0.0.1', 'localhost');
    await w.deliverTo(byName, 'wp-by-name', 'wp-by-name');
    const named = await w.run('wp-by-name');
    expect(named.error).toBeInstanceOf(UnrecoverableError);
    expect((named.error as Error).message).toMatch(/localhost/);
    expect((await w.state('wp-by-name')).ended).toMatchObject({ reason: 'private-address', message: (named.error as Error).message });
    expect(await w.counted('webhookDeliveries')).toEqual({ refused: 2 });
    expect(await w.counted('webhookAttempts')).toEqual({}); // no attempt reached a receiver
    expect(w.receiver.attempts).toHaveLength(0);
    // The endpoint owes nothing any more: the refused delivery left its line.
    const endpoint = endpointOf(byName);
    expect(await readEndpointHealth(w.connection, redis.prefix, endpoint, w.now())).toMatchObject({ undelivered: 0 });
  });

  test('over WEBHOOK_ENDPOINT_MAX_RPS a delivery waits in line, unsent, until the budget has room; never dead-lettered for it', async ({
    redis,
  }) => {
    // One request per 1 000 s (Redis's clock decides the window); no retries, so each delivery's deadline is its first run.
    const w = await world(redis, [], { endpointMaxRps: 0.001 });
    await w.deliver('wp-rate-1', { status: 200 });
    await w.deliver('wp-rate-2', { status: 200 });
    expect((await w.run('wp-rate-1')).receipt).toMatchObject({ statusCode: 200, attempt: 1 });
    const t0 = w.now();
    expect((await w.run('wp-rate-2')).error).toBeInstanceOf(DelayedError);
    expect(w.receiver.attempts.map((a) => a.id)).toEqual(['wp-rate-1']);
    const state = await w.state('wp-rate-2');
    expect(state).toMatchObject({ attempts: 0, retries: 0, held: { since: t0, reason: 'queued' } });
    expect(state.ended).toBeUndefined(); // past its (zero-length) schedule, but waiting for the rate is not the endpoint failing
    expect(await w.webhookQueue.getJobState('wp-rate-2')).toBe('delayed');
    expect((await w.webhookQueue.getJob('wp-rate-2'))?.delay).toBe(3_600_000); // the scheduler releases it; an hour is a safety wake
    expect(await w.health()).toMatchObject({ held: 1, undelivered: 1 });
    // The scheduler looks at the line again when the budget has room, not before.
    // (The window: 1 000 s plus the limiter's 100 ms arrival margin, from the first request.)
    expect(await w.breaker.step(w.endpoint, t0)).toEqual([]);
    expect(await w.breaker.step(w.endpoint, t0 + 900_000)).toEqual([]);
    expect(await w.breaker.step(w.endpoint, t0 + 1_100_000)).toEqual(['wp-rate-2']);
  });

  test('a Redis error at the endpoint’s rate limiter fails the run with that error (BullMQ’s attempts), not a wait for the budget', async ({
    redis,
  }) => {
    const closed = new Redis(redis.url);
    await closed.quit(); // every command on it now fails: "Connection is closed."
    const w = await world(redis, SCHEDULE, { limiterRedis: closed });
    await w.deliver('wp-limiter-down');
    const { error } = await w.run('wp-limiter-down');
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(DelayedError);
    expect(error).not.toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toMatch(/Connection is closed/);
    expect(w.receiver.attempts).toHaveLength(0);
  });

  test('a held delivery released while its job moves to delayed promotes itself: the line does not stall until the grant expires', async ({
    redis,
  }) => {
    const w = await world(redis);
    await w.deliver('wp-pauser', { status: 503, headers: { 'retry-after': '30' } });
    const paused = w.now();
    expect((await w.run('wp-pauser')).error).toBeInstanceOf(DelayedError); // the endpoint is paused for 30 s
    await w.deliver('wp-released');
    // The scheduler (on another replica, its clock at the pause's end) releases the line between this run parking the
    // delivery (admit) and moving its job to delayed: its promote found the job still active and did nothing.
    const backend = w.webhookQueue.backend;
    const move = backend.moveToDelayed.bind(backend);
    let released: string[] | undefined;
    backend.moveToDelayed = async (...args: Parameters<typeof move>) => {
      if (args[0] === 'wp-released' && released === undefined) released = await w.breaker.step(w.endpoint, paused + 30_000);
      return move(...args);
    };
    expect((await w.run('wp-released')).error).toBeInstanceOf(DelayedError);
    expect(released).toEqual(['wp-released']);
    expect(await w.webhookQueue.getJobState('wp-released')).toBe('waiting'); // promoted by its own run: a Worker takes it now
    expect(w.receiver.attempts.some((a) => a.id === 'wp-released')).toBe(false);
  });

  test('a delivery held by an open breaker for its whole schedule is dead-lettered saying the breaker was open', async ({ redis }) => {
    const w = await world(redis, [500]); // each delivery's span (500 ms) ends before the breaker's first cooldown (1 s)
    const t0 = w.now();
    for (let i = 1; i <= 5; i++) {
      await w.deliver(`wp-fail-${i}`, { status: 500 });
      expect((await w.run(`wp-fail-${i}`)).error).toBeInstanceOf(DelayedError);
    }
    await w.deliver('wp-behind-open');
    expect((await w.run('wp-behind-open')).error).toBeInstanceOf(DelayedError);
    expect(await w.state('wp-behind-open')).toMatchObject({ attempts: 0, held: { since: t0, reason: 'breaker-open' } });
    w.advanceTo(t0 + 500);
    const { error } = await w.run('wp-behind-open');
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toMatch(
      /^webhook endpoint .* kept failing \(circuit breaker open\) for the whole retry schedule \(500ms\); last: never attempted$/,
    );
    expect((await w.state('wp-behind-open')).ended).toMatchObject({ reason: 'held-expired' });
    expect(w.receiver.attempts.some((a) => a.id === 'wp-behind-open')).toBe(false);
  });

  test('a failed probe with no retry left, not put back in line (the breaker closed meanwhile), is dead-lettered and forgotten', async ({
    redis,
  }) => {
    const w = await world(redis, [1_000]); // one retry, then the dead letter
    const t0 = w.now();
    // A delivery another replica sent before the breaker opened: still out.
    expect(await w.breaker.admit(w.endpoint, 'wp-elsewhere', t0 - 1, t0)).toMatchObject({ kind: 'go' });
    for (let i = 1; i <= 4; i++) {
      await w.deliver(`wp-down-${i}`, { status: 500 });
      expect((await w.run(`wp-down-${i}`)).error).toBeInstanceOf(DelayedError);
    }
    await w.deliver('wp-last-probe', { status: 500 }, { status: 502 });
    expect((await w.run('wp-last-probe')).error).toBeInstanceOf(DelayedError); // the fifth failure: the breaker opens
    expect(await w.health()).toMatchObject({ state: 'open', undelivered: 6 });
    w.advanceTo(t0 + 1_100); // its retry is due, and the breaker's cooldown is over: this run is the probe
    // While the probe is out, the other replica's delivery is answered 2xx: its report closes the breaker first.
    const report = w.breaker.report.bind(w.breaker);
    w.breaker.report = async (endpoint: string, jobId: string, order: number, now: number, what: Report, random?: () => number) => {
      if (jobId === 'wp-last-probe') await report(endpoint, 'wp-elsewhere', t0 - 1, now, { verdict: 'ok', finished: true, message: '' });
      return report(endpoint, jobId, order, now, what, random);
    };
    const { error } = await w.run('wp-last-probe');
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toBe('webhook receiver answered HTTP 502; gave up after 2 attempts over 1.1s');
    expect(w.receiver.attempts.filter((a) => a.id === 'wp-last-probe')).toHaveLength(2);
    // The endpoint owes the four failing deliveries (sleeping until their retries), not the dead letter nor the delivered one.
    expect(await w.health()).toMatchObject({ state: 'closed', undelivered: 4, held: 0 });
  });
});
