import { appRoutes } from '@bull-board/api/dist/routes.js';
import { createLogger, createRedisConnection, loadConfig, POLL_QUEUE } from '@regionwatch/core';
import { testRedis } from '@regionwatch/testkit/vitest';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../src/index.js';
import { basic, serveDashboard, type Served } from './support/serve.js';

const { url, prefix } = testRedis('dashboard');
const env = { REDIS_URL: url, REGIONWATCH_PREFIX: prefix, DASHBOARD_PORT: '0', LOG_LEVEL: 'silent' };
const USER = 'ops';
const PASSWORD = 'correct horse battery staple';

let secured: Served;
let open: Served;
beforeAll(async () => {
  // Many wrong logins below, all from 127.0.0.1: a limit they cannot reach (test/login-limit.test.ts tests the limit).
  secured = await serveDashboard({
    config: loadConfig({ ...env, DASHBOARD_USER: USER, DASHBOARD_PASSWORD: PASSWORD }),
    loginFailureLimit: { failures: 1_000, windowSeconds: 60 },
  });
  open = await serveDashboard({ config: loadConfig(env) });
});
afterAll(async () => {
  await Promise.all([secured?.close(), open?.close()]);
});

describe('basic auth', () => {
  it('lets probes reach /healthz without credentials', async () => {
    const response = await fetch(`${secured.base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it.each([
    ['no credentials', {}],
    ['a wrong password', basic(USER, 'wrong')],
    ['a wrong user with the right password', basic('root', PASSWORD)],
    ['a password that only shares a prefix', basic(USER, PASSWORD.slice(0, -1))],
    ['another scheme', { authorization: 'Bearer abc' }],
  ])('answers 401 with a Basic challenge for %s', async (_label, headers) => {
    for (const path of ['/queues', '/queues/api/queues', '/tasks', '/api/tasks/abc', '/queues/static/favicon-32x32.png']) {
      const response = await fetch(`${secured.base}${path}`, { headers });
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="regionwatch"');
      await response.body?.cancel();
    }
  });

  it('serves everything with the right credentials', async () => {
    const board = await fetch(`${secured.base}/queues`, { headers: basic(USER, PASSWORD) });
    expect(board.status).toBe(200);
    expect(await board.text()).toContain('<title>regionwatch</title>');
    const api = await fetch(`${secured.base}/queues/api/queues`, { headers: basic(USER, PASSWORD) });
    expect(api.status).toBe(200);
    const form = await fetch(`${secured.base}/tasks`, { headers: basic(USER, PASSWORD) });
    expect(form.status).toBe(200);
  });

  it('needs no credentials when none are configured', async () => {
    expect((await fetch(`${open.base}/queues`)).status).toBe(200);
  });
});

describe('what basic auth guards', () => {
  const TASK_ID = 'auth-guarded-task';
  let pollQueue: Queue;
  beforeAll(async () => {
    pollQueue = new Queue(POLL_QUEUE, { connection: { url }, prefix });
    await pollQueue.add('poll', { taskId: TASK_ID, metadata: { customer: 'guarded-customer' } }, { jobId: TASK_ID, delay: 3_600_000 });
  });
  afterAll(() => pollQueue.close());

  const credentialsRefused = [
    ['no credentials', {}],
    ['a wrong password', basic(USER, 'wrong')],
  ] as const;

  it.each(credentialsRefused)(
    'refuses the task page and the task API for a real task with %s, revealing nothing of it',
    async (_label, headers) => {
      for (const path of [`/tasks/${TASK_ID}`, `/api/tasks/${TASK_ID}`, `/tasks?taskId=${TASK_ID}`]) {
        const response = await fetch(`${secured.base}${path}`, { headers, redirect: 'manual' });
        expect(response.status, path).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Basic realm="regionwatch"');
        const body = await response.text();
        expect(body).not.toContain('guarded-customer');
      }
      // With the credentials, the same page shows the task: the 401s above were auth, not a missing route.
      const page = await fetch(`${secured.base}/tasks/${TASK_ID}`, { headers: basic(USER, PASSWORD) });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('guarded-customer');
    },
  );

  // Every route Bull Board itself declares as a write (its own route table, so a route a later
  // version adds is covered too), with the parameters pointed at a real queue and job.
  const writes = appRoutes.api.flatMap((route) =>
    [route.method]
      .flat()
      .filter((method) => method !== 'get')
      .flatMap((method) => [route.route].flat().map((path) => ({ method: method.toUpperCase(), path }))),
  );

  it('knows Bull Board’s write routes (the test below is not vacuous)', () => {
    expect(writes.length).toBeGreaterThanOrEqual(20);
    expect(writes).toEqual(
      expect.arrayContaining([
        { method: 'PUT', path: '/api/queues/:queueName/pause' },
        { method: 'PUT', path: '/api/queues/:queueName/obliterate' },
        { method: 'PUT', path: '/api/queues/:queueName/:jobId/clean' },
        { method: 'POST', path: '/api/queues/:queueName/add' },
      ]),
    );
  });

  it.each(credentialsRefused)('refuses every mutating route of the board with %s, and nothing changes', async (_label, headers) => {
    const before = {
      counts: await pollQueue.getJobCounts(),
      paused: await pollQueue.isPaused(),
      job: (await pollQueue.getJob(TASK_ID))?.data,
    };
    for (const { method, path } of writes) {
      const concrete = path
        .replace(':queueName', POLL_QUEUE)
        .replace(':queueStatus', 'delayed')
        .replace(':jobId', TASK_ID)
        .replace(':schedulerId', 'any');
      const response = await fetch(`${secured.base}/queues${concrete}`, {
        method,
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'injected', data: {} }),
      });
      expect(response.status, `${method} ${concrete}`).toBe(401);
      await response.body?.cancel();
    }
    expect({
      counts: await pollQueue.getJobCounts(),
      paused: await pollQueue.isPaused(),
      job: (await pollQueue.getJob(TASK_ID))?.data,
    }).toEqual(before);
  });

  it('lets the same write through with the credentials (so the refusals above were auth, not missing routes)', async () => {
    const pause = await fetch(`${secured.base}/queues/api/queues/${POLL_QUEUE}/pause`, { method: 'PUT', headers: basic(USER, PASSWORD) });
    expect(pause.status).toBe(200);
    expect(await pollQueue.isPaused()).toBe(true);
    const resume = await fetch(`${secured.base}/queues/api/queues/${POLL_QUEUE}/resume`, { method: 'PUT', headers: basic(USER, PASSWORD) });
    expect(resume.status).toBe(200);
    expect(await pollQueue.isPaused()).toBe(false);
  });
});

describe('security headers', () => {
  it('sends a CSP and no x-powered-by, on our routes and on Bull Board’s', async () => {
    for (const path of ['/queues', '/queues/api/queues', '/tasks', '/healthz', '/nothing-here']) {
      const response = await fetch(`${open.base}${path}`);
      await response.body?.cancel();
      expect(response.headers.get('x-powered-by'), path).toBeNull();
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).not.toContain('upgrade-insecure-requests');
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });

  it('answers unknown paths with 404 (JSON under /api/)', async () => {
    expect((await fetch(`${open.base}/nothing-here`)).status).toBe(404);
    const api = await fetch(`${open.base}/api/nothing`);
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});

describe('startDashboard', () => {
  it('listens on loopback only without credentials', async () => {
    const dashboard = await startDashboard({ config: loadConfig(env), logger: createLogger({ level: 'silent' }) });
    try {
      expect(dashboard.address).toBe('127.0.0.1');
      expect(dashboard.url).toBe(`http://127.0.0.1:${dashboard.port}`);
      expect((await fetch(`${dashboard.url}/healthz`)).status).toBe(200);
    } finally {
      await dashboard.close();
    }
  });

  it('listens on every interface with credentials', async () => {
    const dashboard = await startDashboard({
      config: loadConfig({ ...env, DASHBOARD_USER: USER, DASHBOARD_PASSWORD: PASSWORD }),
      logger: createLogger({ level: 'silent' }),
    });
    try {
      expect(['::', '0.0.0.0']).toContain(dashboard.address);
      expect((await fetch(`http://127.0.0.1:${dashboard.port}/queues`)).status).toBe(401);
    } finally {
      await dashboard.close();
    }
    await expect(fetch(`http://127.0.0.1:${dashboard.port}/healthz`)).rejects.toThrow();
  });

  it('leaves a connection the caller passed in open', async () => {
    const connection = createRedisConnection(url, 'fail-fast');
    try {
      const dashboard = await startDashboard({ config: loadConfig(env), connection, logger: createLogger({ level: 'silent' }) });
      expect((await fetch(`${dashboard.url}/queues/api/queues`)).status).toBe(200);
      await dashboard.close();
      expect(await connection.ping()).toBe('PONG');
    } finally {
      connection.disconnect();
    }
  });
});
