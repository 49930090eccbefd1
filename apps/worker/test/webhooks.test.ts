import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UnrecoverableError } from 'bullmq';
import { test } from '@regionwatch/testkit/vitest';
import { afterAll, describe, expect } from 'vitest';
import { createLogger, webhookDeliveryStateSchema, WEBHOOK_QUEUE, type WebhookDeliveryState } from '@regionwatch/core';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createWebhookProcessor, EndpointBreaker, replayDeadLetters, webhookQueues, WorkerMetrics } from '../src/index.js';
import { fakeJob } from './support/fake-job.js';
import { regionResult } from '@regionwatch/testkit';
import { createHarness, WEBHOOK_SECRET, type Harness } from './support/harness.js';

let h: Harness;
test.beforeAll(async ({ fileRedis }) => {
  h = await createHarness(fileRedis, { env: { WEBHOOK_RETRY_SCHEDULE: '30ms,30ms' } });
  await h.startWorker();
});
afterAll(() => h.close());

async function completedTask(webhookUrl: string): Promise<string> {
  const taskId = h.simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed', rectangles: [[[1, 2, 3, 4]]] } });
  await h.producer.track(taskId, { webhookUrl });
  return taskId;
}

const jobState = (id: string) => h.webhookQueue.getJobState(id);
const settled = (id: string, state: 'completed' | 'failed') => async () => ((await jobState(id)) === state ? true : undefined);
async function deliveryState(id: string): Promise<WebhookDeliveryState> {
  return webhookDeliveryStateSchema.parse((await h.webhookQueue.getJob(id))?.progress);
}

describe('webhook delivery', () => {
  test('retries until the receiver recovers, honouring Retry-After, with the same webhook-id each time', async () => {
    const taskId = h.simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed' } });
    h.receiver.script(taskId, { status: 503, headers: { 'retry-after': '1' } }, { status: 500 });
    await h.producer.track(taskId, { webhookUrl: h.receiver.url });
    const accepted = await h.waitFor('accepted delivery', () => h.receiver.accepted.get(taskId));
    const attempts = h.receiver.attempts.filter((a) => a.id === taskId);
    expect(attempts).toHaveLength(3);
    expect(attempts.every((a) => a.verified && a.headers['webhook-id'] === taskId)).toBe(true);
    const [first, second] = attempts.map((a) => Number(a.headers['webhook-timestamp']));
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(1); // waited out Retry-After: 1
    expect(accepted.verified).toBe(true);
    await h.waitFor('completed delivery job', settled(taskId, 'completed'));
    expect((await h.webhookQueue.getJob(taskId))?.returnvalue).toMatchObject({ statusCode: 200, attempt: 3 });
  });

  test('stops at 410 Gone: one attempt, failed set, the reason in its state', async () => {
    const taskId = h.simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Error', messages: ['bad image'] } });
    h.receiver.script(taskId, { status: 410 });
    await h.producer.track(taskId, { webhookUrl: h.receiver.url });
    await h.waitFor('failed delivery', settled(taskId, 'failed'));
    const job = await h.webhookQueue.getJob(taskId);
    expect(job?.failedReason).toBe('webhook receiver answered 410 Gone: delivery stopped');
    expect((await deliveryState(taskId)).ended).toMatchObject({ reason: 'gone' });
    expect(h.receiver.attempts.filter((a) => a.id === taskId)).toHaveLength(1);
  });

  test('dead-letters once the schedule is used up and its span has passed, and replay delivers it', async () => {
    const taskId = h.simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'NotExist' } });
    h.receiver.script(taskId, { status: 500 }, { status: 502 }, { status: 500 });
    await h.producer.track(taskId, { webhookUrl: h.receiver.url });
    await h.waitFor('dead letter', settled(taskId, 'failed'));
    const dead = await h.webhookQueue.getJob(taskId);
    expect(dead?.failedReason).toMatch(/^webhook receiver answered HTTP 500; gave up after 3 attempts over \d+ms$/);
    const state = await deliveryState(taskId);
    expect(state).toMatchObject({ attempts: 3, retries: 2, plannedRetries: 2, ended: { reason: 'exhausted' } });
    // The last attempt came once the span (30 + 30 ms) had passed, never sooner.
    expect(state.lastAttemptAt).toBeGreaterThanOrEqual(state.deadlineAt);
    expect(state.deadlineAt - state.firstAttemptAt).toBe(60);
    expect(h.receiver.accepted.has(taskId)).toBe(false);

    expect(await replayDeadLetters(webhookQueues([h.webhookQueue]), [taskId, 'never-heard-of-it'])).toEqual([
      { taskId, outcome: 'replayed' },
      { taskId: 'never-heard-of-it', outcome: 'unknown' },
    ]);
    const delivered = await h.waitFor('replayed delivery', () => h.receiver.accepted.get(taskId));
    expect((delivered.body as { data: { status: string } }).data.status).toBe('NotExist');
    expect(await replayDeadLetters(webhookQueues([h.webhookQueue]), [taskId])).toEqual([{ taskId, outcome: 'not-dead-lettered' }]);
  });

  test('does not follow redirects: a 3xx is a failed attempt', async () => {
    const redirector = createServer((_req, res) => res.writeHead(302, { location: h.receiver.url }).end());
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/moved`;
      const taskId = await completedTask(url);
      await h.waitFor('dead letter', settled(taskId, 'failed'));
      expect((await h.webhookQueue.getJob(taskId))?.failedReason).toMatch(/^webhook receiver answered HTTP 302; gave up after 3 attempts/);
      expect(h.receiver.attempts.some((a) => a.id === taskId)).toBe(false);
    } finally {
      redirector.closeAllConnections();
      redirector.close();
    }
  });

  test('counts a receiver slower than WEBHOOK_TIMEOUT_MS as a failed attempt', async () => {
    const taskId = h.simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed' } });
    h.receiver.script(taskId, { status: 200, delayMs: 1_500 });
    await h.producer.track(taskId, { webhookUrl: h.receiver.url });
    await h.waitFor('delivered after a timeout', () => h.receiver.accepted.get(taskId), 20_000);
    expect(h.receiver.attempts.filter((a) => a.id === taskId).length).toBeGreaterThanOrEqual(2);
  });

  test('decides on the status line: a 200 whose body trickles on past the timeout is delivered once', async () => {
    const taskId = h.simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed' } });
    h.receiver.script(taskId, { status: 200, trickle: true });
    await h.producer.track(taskId, { webhookUrl: h.receiver.url });
    await h.waitFor('completed delivery job', settled(taskId, 'completed'));
    expect((await h.webhookQueue.getJob(taskId))?.returnvalue).toMatchObject({ statusCode: 200, attempt: 1 });
    // Past WEBHOOK_TIMEOUT_MS (1 s) the body is still unfinished, and nothing was posted again.
    await h.waitFor('the timeout to pass', async () =>
      Date.now() - (h.receiver.accepted.get(taskId)?.at ?? Date.now()) > 1_500 ? true : undefined,
    );
    expect(h.receiver.attempts.filter((a) => a.id === taskId)).toHaveLength(1);
  });
});

describe('webhook processor guards', () => {
  const event = {
    type: 'regions.completed',
    timestamp: new Date().toISOString(),
    data: regionResult('guard-1', { submittedAt: new Date().toISOString(), finishedAt: new Date().toISOString() }),
  };
  // The guards act before anything is sent or stored in Redis.
  const connections: Redis[] = [];
  const queues: Queue[] = [];
  afterAll(async () => {
    await Promise.all(queues.map((queue) => queue.close()));
    for (const redis of connections) redis.disconnect();
  });
  const processor = (secrets: string[] | undefined, allowPrivate: boolean) => {
    const redis = new Redis(h.env.REDIS_URL ?? '', { maxRetriesPerRequest: null });
    const webhookQueue = new Queue(WEBHOOK_QUEUE, { connection: redis, prefix: h.config.REGIONWATCH_PREFIX });
    connections.push(redis);
    queues.push(webhookQueue);
    return createWebhookProcessor({
      secrets,
      allowPrivate,
      timeoutMs: 1_000,
      schedule: [10],
      breaker: new EndpointBreaker(redis, h.config.REGIONWATCH_PREFIX, { maxRps: 10, timeoutMs: 1_000, inflightLimit: 1, schedule: [10] }),
      redis,
      webhookQueues: webhookQueues([webhookQueue]),
      metrics: new WorkerMetrics({ defaultMetrics: false }),
      logger: createLogger({ level: 'silent' }),
    });
  };

  test.each([
    'http://127.0.0.1:9/x',
    'http://[::1]:9/x',
    'http://10.1.2.3/x',
    'http://169.254.169.254/latest/meta-data',
    'http://localhost:9/x',
    'http://[::ffff:127.0.0.1]:9/x',
    'http://[::127.0.0.1]:9/x',
    'http://[::a01:203]:9/x',
  ])('refuses %s unless WEBHOOK_ALLOW_PRIVATE, and says why in the delivery state', async (url) => {
    const job = fakeJob({ url, event });
    const error = await processor([WEBHOOK_SECRET], false)(job).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toMatch(/resolves to .* \(\w+\); set WEBHOOK_ALLOW_PRIVATE=true to allow it/);
    expect(webhookDeliveryStateSchema.parse(job.progress).ended).toMatchObject({ reason: 'private-address' });
  });

  test('dead-letters deliveries when WEBHOOK_SECRET is missing, saying what to do', async () => {
    const job = fakeJob({ url: h.receiver.url, event });
    const error = await processor(undefined, true)(job).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toMatch(/WEBHOOK_SECRET is not set.*replay/);
    expect(webhookDeliveryStateSchema.parse(job.progress).ended).toMatchObject({ reason: 'no-secret' });
  });

  test('rejects job data that is not a webhook job', async () => {
    const error = await processor([WEBHOOK_SECRET], true)(fakeJob({ url: 'ftp://x', event: {} })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toMatch(/^invalid webhook job data/);
  });
});
