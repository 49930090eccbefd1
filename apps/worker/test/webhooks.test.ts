import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UnrecoverableError } from 'bullmq';
import { test } from '@regionwatch/testkit/vitest';
import { afterAll, describe, expect } from 'vitest';
import { createLogger } from '@regionwatch/core';
import { createWebhookProcessor, replayDeadLetters, webhookRetryDelay, WebhookDeliveryError, WorkerMetrics } from '../src/index.js';
import { fakeJob } from './support/fake-job.js';
import { createHarness, WEBHOOK_SECRET, type Harness } from './support/harness.js';

let h: Harness;
test.beforeAll(async ({ fileRedis }) => {
  h = await createHarness(fileRedis, { env: { WEBHOOK_MAX_ATTEMPTS: '3', WEBHOOK_RETRY_BASE_MS: '30' } });
  await h.startWorker();
});
afterAll(() => h.close());

async function completedTask(webhookUrl: string): Promise<string> {
  const taskId = h.simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed', rectangles: [[[1, 2, 3, 4]]] } });
  await h.producer.track(taskId, { webhookUrl });
  return taskId;
}

const jobState = (id: string) => h.webhookQueue.getJobState(id);

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
    await h.waitFor('completed delivery job', async () => ((await jobState(taskId)) === 'completed' ? true : undefined));
  });

  test('stops at 410 Gone: one attempt, failed set', async () => {
    const taskId = h.simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Error', messages: ['bad image'] } });
    h.receiver.script(taskId, { status: 410 });
    await h.producer.track(taskId, { webhookUrl: h.receiver.url });
    await h.waitFor('failed delivery', async () => ((await jobState(taskId)) === 'failed' ? true : undefined));
    const job = await h.webhookQueue.getJob(taskId);
    expect(job?.failedReason).toBe('webhook receiver answered 410 Gone: delivery stopped');
    expect(h.receiver.attempts.filter((a) => a.id === taskId)).toHaveLength(1);
  });

  test('dead-letters after WEBHOOK_MAX_ATTEMPTS, and replay delivers it', async () => {
    const taskId = h.simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'NotExist' } });
    h.receiver.script(taskId, { status: 500 }, { status: 502 }, { status: 500 });
    await h.producer.track(taskId, { webhookUrl: h.receiver.url });
    await h.waitFor('dead letter', async () => ((await jobState(taskId)) === 'failed' ? true : undefined));
    const dead = await h.webhookQueue.getJob(taskId);
    expect(dead?.attemptsMade).toBe(3);
    expect(dead?.failedReason).toBe('webhook receiver answered HTTP 500');
    expect(h.receiver.accepted.has(taskId)).toBe(false);

    expect(await replayDeadLetters(h.webhookQueue, [taskId, 'never-heard-of-it'])).toEqual([
      { taskId, outcome: 'replayed' },
      { taskId: 'never-heard-of-it', outcome: 'unknown' },
    ]);
    const delivered = await h.waitFor('replayed delivery', () => h.receiver.accepted.get(taskId));
    expect((delivered.body as { data: { status: string } }).data.status).toBe('NotExist');
    expect(await replayDeadLetters(h.webhookQueue, [taskId])).toEqual([{ taskId, outcome: 'not-dead-lettered' }]);
  });

  test('replays every dead letter with --all semantics', async () => {
    const ids = await Promise.all(
      [0, 1].map(async () => {
        const taskId = h.simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'NotExist' } });
        h.receiver.script(taskId, { status: 410 });
        await h.producer.track(taskId, { webhookUrl: h.receiver.url });
        return taskId;
      }),
    );
    for (const id of ids) await h.waitFor('dead letter', async () => ((await jobState(id)) === 'failed' ? true : undefined));
    const outcomes = await replayDeadLetters(h.webhookQueue, 'all');
    for (const id of ids) expect(outcomes).toContainEqual({ taskId: id, outcome: 'replayed' });
    for (const id of ids) await h.waitFor('replayed delivery', () => h.receiver.accepted.get(id));
  });

  test('does not follow redirects: a 3xx is a failed attempt', async () => {
    const redirector = createServer((_req, res) => res.writeHead(302, { location: h.receiver.url }).end());
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/moved`;
      const taskId = await completedTask(url);
      await h.waitFor('dead letter', async () => ((await jobState(taskId)) === 'failed' ? true : undefined));
      expect((await h.webhookQueue.getJob(taskId))?.failedReason).toBe('webhook receiver answered HTTP 302');
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
});

describe('webhook processor guards', () => {
  const event = {
    type: 'regions.completed',
    timestamp: new Date().toISOString(),
    data: {
      taskId: 'guard-1',
      status: 'Completed',
      regions: [],
      results: [],
      responseStatusCode: 'Ok',
      errors: [],
      warnings: [],
      metadata: {},
      submittedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
      polls: 1,
    },
  };
  const processor = (secret: string | undefined, allowPrivate: boolean) =>
    createWebhookProcessor({
      secret,
      allowPrivate,
      timeoutMs: 1_000,
      metrics: new WorkerMetrics({ defaultMetrics: false }),
      logger: createLogger({ level: 'silent' }),
    });

  test.each([
    'http://127.0.0.1:9/x',
    'http://[::1]:9/x',
    'http://10.1.2.3/x',
    'http://169.254.169.254/latest/meta-data',
    'http://localhost:9/x',
    'http://[::ffff:127.0.0.1]:9/x',
  ])('refuses %s unless WEBHOOK_ALLOW_PRIVATE', async (url) => {
    const error = await processor(WEBHOOK_SECRET, false)(fakeJob({ url, event })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toMatch(/resolves to .* \((loopback|private|linkLocal)\); set WEBHOOK_ALLOW_PRIVATE=true to allow it/);
  });

  test('dead-letters deliveries when WEBHOOK_SECRET is missing, saying what to do', async () => {
    const error = await processor(undefined, true)(fakeJob({ url: h.receiver.url, event })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toMatch(/WEBHOOK_SECRET is not set.*replay/);
  });

  test('rejects job data that is not a webhook job', async () => {
    const error = await processor(WEBHOOK_SECRET, true)(fakeJob({ url: 'ftp://x', event: {} })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toMatch(/^invalid webhook job data/);
  });
});

describe('webhookRetryDelay', () => {
  test('grows exponentially from the base with ±20 % jitter and honours Retry-After', () => {
    expect([1, 2, 3, 4].map((n) => webhookRetryDelay(n, 5_000, new Error('x'), () => 0.5))).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(webhookRetryDelay(1, 5_000, new Error('x'), () => 0)).toBe(4_000);
    expect(webhookRetryDelay(1, 5_000, new Error('x'), () => 0.99999)).toBe(6_000);
    expect(webhookRetryDelay(1, 5_000, new WebhookDeliveryError('x', { retryAfterMs: 60_000 }), () => 0.5)).toBe(60_000);
    expect(webhookRetryDelay(40, 5_000, new Error('x'), () => 0.5)).toBe(3_600_000);
  });
});

describe('npm run replay', () => {
  async function replay(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const child = spawn(
      process.execPath,
      ['--conditions=@regionwatch/source', '--import', 'tsx', fileURLToPath(new URL('../src/replay-cli.ts', import.meta.url)), ...args],
      {
        cwd: fileURLToPath(new URL('../../../', import.meta.url)),
        env: { ...process.env, REDIS_URL: h.env.REDIS_URL, REGIONWATCH_PREFIX: h.env.REGIONWATCH_PREFIX },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { code, stdout, stderr };
  }

  test('re-queues dead letters by id and with --all, one line per id', async () => {
    const ids = await Promise.all(
      [0, 1, 2].map(async () => {
        const taskId = h.simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed' } });
        h.receiver.script(taskId, { status: 410 });
        await h.producer.track(taskId, { webhookUrl: h.receiver.url });
        return taskId;
      }),
    );
    for (const id of ids) await h.waitFor('dead letter', async () => ((await jobState(id)) === 'failed' ? true : undefined));

    const one = await replay([ids[0] ?? '', 'no-such-task']);
    expect(one.code).toBe(1);
    expect(one.stdout).toBe(`replayed ${ids[0]}\nunknown no-such-task\n`);
    await h.waitFor('replayed delivery', () => h.receiver.accepted.get(ids[0] ?? ''));

    const all = await replay(['--all']);
    expect(all.code).toBe(0);
    for (const id of ids.slice(1)) expect(all.stdout).toContain(`replayed ${id}\n`);
    for (const id of ids.slice(1)) await h.waitFor('replayed delivery', () => h.receiver.accepted.get(id));

    expect(await replay([])).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: npm run replay -- ID... | --all') });
  }, 30_000);
});
