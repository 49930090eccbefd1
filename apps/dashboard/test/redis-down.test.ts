import { loadDashboardConfig } from '@regionwatch/core';
import { freePort } from '@regionwatch/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDashboard, type Served } from './support/serve.js';

// Nothing listens on this port: the dashboard starts anyway and must answer, not hang.
let dashboard: Served;
beforeAll(async () => {
  const port = await freePort();
  dashboard = await serveDashboard({ config: loadDashboardConfig({ REDIS_URL: `redis://127.0.0.1:${port}`, LOG_LEVEL: 'silent' }) });
});
afterAll(() => dashboard?.close());

describe('while Redis is unreachable', () => {
  it('still answers /healthz and serves the UI shell', async () => {
    expect((await fetch(`${dashboard.base}/healthz`)).status).toBe(200);
    expect((await fetch(`${dashboard.base}/queues`)).status).toBe(200);
    expect((await fetch(`${dashboard.base}/tasks`)).status).toBe(200);
  });

  it('answers 503 within seconds where Redis is needed, saying why', async () => {
    const started = Date.now();
    const [lookup, board, page] = await Promise.all(
      ['/api/tasks/some-task', '/queues/api/queues', '/tasks/some-task'].map((path) =>
        fetch(`${dashboard.base}${path}`, { signal: AbortSignal.timeout(10_000) }),
      ),
    );
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(lookup?.status).toBe(503);
    expect(await lookup?.json()).toMatchObject({
      error: { code: 'REDIS_UNAVAILABLE', message: expect.stringContaining('REDIS_URL') as string },
    });
    expect(board?.status).toBe(503);
    expect(await board?.json()).toMatchObject({ error: { code: 'REDIS_UNAVAILABLE' } });
    expect(page?.status).toBe(503);
    expect(await page?.text()).toContain('Redis is not reachable');
  });
});
