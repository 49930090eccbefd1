import { loadDashboardConfig } from '@regionwatch/core';
import { freePort } from '@regionwatch/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, rawRequest, serveDashboard, type Served } from './support/serve.js';

// Nothing listens on this port: the dashboard starts anyway and must answer, not hang.
let dashboard: Served;
let secured: Served;
beforeAll(async () => {
  const port = await freePort();
  dashboard = await serveDashboard({ config: loadDashboardConfig({ REDIS_URL: `redis://127.0.0.1:${port}`, LOG_LEVEL: 'silent' }) });
  secured = await serveDashboard({
    config: loadDashboardConfig({
      REDIS_URL: `redis://127.0.0.1:${port}`,
      DASHBOARD_USER: 'ops',
      DASHBOARD_PASSWORD: 'redis-down-password',
      DASHBOARD_TRUST_PROXY: 'loopback',
    }),
    loginFailureLimit: { failures: 2, windowSeconds: 60 },
  });
});
afterAll(() => Promise.all([dashboard?.close(), secured?.close()]));

describe('while Redis is unreachable', () => {
  it('still answers /healthz and serves the UI shell', async () => {
    expect((await fetch(`${dashboard.base}/healthz`)).status).toBe(200);
    expect((await fetch(`${dashboard.base}/queues`)).status).toBe(200);
    expect((await fetch(`${dashboard.base}/tasks`)).status).toBe(200);
  });

  it('answers 503 where Redis is needed instead of hanging, saying why', async () => {
    // requireRedis gives up after 2 s; a request that hung (BullMQ waits for a connection without
    // limit) would be aborted here and fail the test. The bound is far above 2 s, so load does not reach it.
    const [lookup, board, page] = await Promise.all(
      ['/api/tasks/some-task', '/queues/api/queues', '/tasks/some-task'].map((path) =>
        fetch(`${dashboard.base}${path}`, { signal: AbortSignal.timeout(20_000) }),
      ),
    );
    expect(lookup?.status).toBe(503);
    expect(await lookup?.json()).toMatchObject({
      error: { code: 'REDIS_UNAVAILABLE', message: expect.stringContaining('REDIS_URL') as string },
    });
    expect(board?.status).toBe(503);
    expect(await board?.json()).toMatchObject({ error: { code: 'REDIS_UNAVAILABLE' } });
    expect(page?.status).toBe(503);
    expect(await page?.text()).toContain('Redis is not reachable');
  });

  it('still limits failed logins (in memory, per replica) and lets the right password in', async () => {
    const login = (client: string, password: string) =>
      rawRequest(secured.base, '/queues', { headers: { 'x-forwarded-for': client, ...basic('ops', password) } });
    expect((await login('203.0.113.5', 'wrong-1')).status).toBe(401);
    expect((await login('203.0.113.5', 'wrong-2')).status).toBe(401);
    expect((await login('203.0.113.5', 'redis-down-password')).status).toBe(429);
    expect((await login('203.0.113.6', 'redis-down-password')).status).toBe(200);
  });
});
