import { createCompletionLearner, loadDashboardConfig } from '@regionwatch/core';
import { it } from '@regionwatch/testkit/vitest';
import { Redis } from 'ioredis';
import { afterEach, describe, expect } from 'vitest';
import type { LearnedView } from '../src/index.js';
import { serveDashboard, type Served } from './support/serve.js';

const open: { close(): Promise<unknown> | void }[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function dashboardOn({ url, prefix }: { url: string; prefix: string }): Promise<Served> {
  const served = await serveDashboard({
    config: loadDashboardConfig({ REDIS_URL: url, REGIONWATCH_PREFIX: prefix, DASHBOARD_PORT: '0', LOG_LEVEL: 'silent' }),
    connection: url,
  });
  open.push(served);
  return served;
}

describe('learned completion times view', () => {
  it('shows each kind the workers learned (and the shared estimate) with p50/p90/p99, as HTML and JSON', async ({ redis }) => {
    // Written the way a worker's learner writes it: 30 invoice scans, each pending at 2 s and done by 3 s.
    const connection = new Redis(redis.url);
    open.push({ close: () => connection.disconnect() });
    const learner = createCompletionLearner(connection, redis.prefix, { refreshMs: 0, flushMs: 60_000 });
    for (let i = 0; i < 30; i++) {
      await learner.pending('invoice-scan', { fromMs: 0, toMs: 2_000 });
      await learner.observe('invoice-scan', { afterMs: 2_000, atMostMs: 3_000 });
    }
    await learner.flush();
    const dashboard = await dashboardOn(redis);

    const response = await fetch(`${dashboard.base}/api/learned`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const view = (await response.json()) as LearnedView;
    expect(view.kinds.map((k) => k.kind)).toEqual(['_shared', 'invoice-scan']);
    // Between 2 and 3 s, to the learner's resolution (buckets four per doubling: the one holding 3 s is 2.56–3.04 s).
    for (const kind of view.kinds) {
      for (const seconds of [kind.p50Seconds, kind.p90Seconds, kind.p99Seconds]) {
        expect(seconds).toBeGreaterThan(2);
        expect(seconds).toBeLessThanOrEqual(3.045);
      }
    }

    const page = await (await fetch(`${dashboard.base}/learned`)).text();
    expect(page).toContain('<h1>Learned completion times</h1>');
    expect(page).toMatch(/<td>invoice-scan<\/td>\s*<td>2\.\d\d s<\/td>/);
    expect(page).toContain('<a href="/learned">Learned completion times</a>');
  });

  it('says nothing is learned yet when no worker has learned anything', async ({ redis }) => {
    const dashboard = await dashboardOn(redis);
    expect(((await (await fetch(`${dashboard.base}/api/learned`)).json()) as LearnedView).kinds).toEqual([]);
    expect(await (await fetch(`${dashboard.base}/learned`)).text()).toContain('Nothing learned yet');
  });
});
