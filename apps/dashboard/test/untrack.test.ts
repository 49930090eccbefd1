// The task page's untrack action: a same-origin POST ends a pending task Cancelled; a cross-origin one
// is refused by the same-origin guard and changes nothing; DASHBOARD_READONLY hides it and refuses it.
import { RegionTaskProducer } from '@regionwatch/producer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDashboard, type Served } from './support/serve.js';
import { startWorld, type World } from './support/world.js';

let world: World;
let dashboard: Served;
let readOnly: Served;
let producer: RegionTaskProducer;

beforeAll(async () => {
  world = await startWorld('untrack');
  dashboard = await serveDashboard({ config: world.dashboardConfig(), connection: world.url });
  readOnly = await serveDashboard({ config: world.dashboardConfig({ DASHBOARD_READONLY: 'true' }), connection: world.url });
  producer = new RegionTaskProducer({ connection: world.url, prefix: world.prefix });
}, 60_000);
afterAll(async () => {
  await Promise.all([dashboard?.close(), readOnly?.close(), producer?.close()]);
  await world?.close();
});

const page = async (served: Served, path: string) => (await fetch(`${served.base}${path}`)).text();
const untrack = (served: Served, taskId: string, site: string) =>
  fetch(`${served.base}/tasks/${taskId}/untrack`, { method: 'POST', redirect: 'manual', headers: { 'sec-fetch-site': site } });

describe('untrack on the task page', () => {
  it('a pending task shows the button; a same-origin post ends it Cancelled and the page says so', async () => {
    const taskId = await world.track({ pendingMs: 3_600_000 });
    expect(await page(dashboard, `/tasks/${taskId}`)).toContain(`<form id="untrack" method="post" action="/tasks/${taskId}/untrack">`);

    const response = await untrack(dashboard, taskId, 'same-origin');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/tasks/${taskId}?untracked=cancelled`);
    expect(await producer.status(taskId)).toMatchObject({ state: 'finished', result: { status: 'Cancelled' } });
    const after = await page(dashboard, `/tasks/${taskId}?untracked=cancelled`);
    expect(after).toContain('<p id="untrack-notice">Untracked: the task ended Cancelled');
    expect(after).not.toContain('<form id="untrack"'); // finished: nothing to untrack
    expect(after).toContain('Cancelled');
  }, 30_000);

  it('a cross-site post is refused before it reaches the route, and the task stays pending', async () => {
    const taskId = await world.track({ pendingMs: 3_600_000 });
    const response = await untrack(dashboard, taskId, 'cross-site');
    expect(response.status).toBe(403);
    expect(await producer.status(taskId)).toMatchObject({ state: 'pending', cancelRequested: false });
  });

  it('read-only: no button, and the route answers 405 without changing anything', async () => {
    const taskId = await world.track({ pendingMs: 3_600_000 });
    expect(await page(readOnly, `/tasks/${taskId}`)).not.toContain('untrack');
    const response = await untrack(readOnly, taskId, 'same-origin');
    expect(response.status).toBe(405);
    expect(await producer.status(taskId)).toMatchObject({ state: 'pending', cancelRequested: false });
  });
});
