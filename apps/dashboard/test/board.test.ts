import { loadDashboardConfig } from '@regionwatch/core';
import { RegionTaskProducer } from '@regionwatch/producer';
import { testRedis } from '@regionwatch/testkit/vitest';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDashboard, type Served } from './support/serve.js';

// No worker here: a tracked task just waits in `regions-poll` (delayed), which is all these need.
const { url, prefix } = testRedis('dashboard');
const env = { REDIS_URL: url, REGIONWATCH_PREFIX: prefix, DASHBOARD_PORT: '0', LOG_LEVEL: 'silent' };
const TASK = 'board-task-1';

type QueuesResponse = { queues: { name: string; readOnlyMode: boolean; allowRetries: boolean; counts: Record<string, number> }[] };

let producer: RegionTaskProducer;
let pollQueue: Queue;
let readWrite: Served;
let readOnly: Served;
let withoutResults: Served;
beforeAll(async () => {
  producer = new RegionTaskProducer({ connection: url, prefix, initialDelayMs: 600_000 });
  await producer.track(TASK);
  pollQueue = new Queue('regions-poll', { connection: { url }, prefix });
  readWrite = await serveDashboard({ config: loadDashboardConfig(env) });
  readOnly = await serveDashboard({ config: loadDashboardConfig({ ...env, DASHBOARD_READONLY: 'true' }) });
  withoutResults = await serveDashboard({ config: loadDashboardConfig({ ...env, RESULTS_QUEUE: '' }) });
});
afterAll(async () => {
  await Promise.all([readWrite?.close(), readOnly?.close(), withoutResults?.close()]);
  await pollQueue?.close();
  await producer?.close();
});

async function queues(base: string): Promise<QueuesResponse['queues']> {
  const response = await fetch(`${base}/queues/api/queues`);
  expect(response.status).toBe(200);
  return ((await response.json()) as QueuesResponse).queues;
}

describe('Bull Board', () => {
  it('shows exactly the three contract queues, under the configured prefix', async () => {
    const listed = await queues(readWrite.base);
    expect(listed.map((q) => q.name)).toEqual(['regions-poll', 'regions-results', 'regions-webhooks']);
    expect(listed[0]?.counts.delayed).toBe(1); // our tracked task: the prefix reached BullMQ
    expect(listed.every((q) => !q.readOnlyMode && q.allowRetries)).toBe(true);
  });

  it('leaves the results queue out when RESULTS_QUEUE is empty', async () => {
    expect((await queues(withoutResults.base)).map((q) => q.name)).toEqual(['regions-poll', 'regions-webhooks']);
  });

  it('serves the job page that task lookup links to', async () => {
    const response = await fetch(`${readWrite.base}/queues/queue/regions-poll/${TASK}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<base href="/queues/" />');
  });
});

describe('DASHBOARD_READONLY=true', () => {
  it('marks every queue read-only with retries off', async () => {
    const listed = await queues(readOnly.base);
    expect(listed).toHaveLength(3);
    expect(listed.every((q) => q.readOnlyMode && !q.allowRetries)).toBe(true);
  });

  it('refuses every mutating call with 405 and changes nothing', async () => {
    const calls: [string, string, unknown?][] = [
      ['PUT', '/queues/api/queues/regions-poll/promote'],
      ['PUT', '/queues/api/queues/regions-poll/clean/delayed'],
      ['PUT', '/queues/api/queues/regions-poll/retry/failed'],
      ['PUT', `/queues/api/queues/regions-poll/${TASK}/promote`],
      ['PUT', `/queues/api/queues/regions-poll/${TASK}/clean`],
      ['PUT', '/queues/api/queues/regions-poll/pause'],
      ['PUT', '/queues/api/queues/regions-poll/empty'],
      ['PUT', '/queues/api/queues/pause'],
      ['POST', '/queues/api/queues/regions-poll/add', { name: 'poll', data: { taskId: 'injected' } }],
    ];
    for (const [method, path, body] of calls) {
      const response = await fetch(`${readOnly.base}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(await response.json()).toMatchObject({ error: { key: 'ERRORS.QUEUE_READ_ONLY' } });
    }
    expect(await (await pollQueue.getJob(TASK))?.getState()).toBe('delayed');
    expect(await pollQueue.isPaused()).toBe(false);
    expect(await pollQueue.getJobCountByTypes('waiting', 'delayed')).toBe(1);
  });

  it('still lets operators read jobs', async () => {
    const response = await fetch(`${readOnly.base}/queues/api/queues/regions-poll/${TASK}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ job: { id: TASK } });
  });

  it('is what stops them: the same call works when not read-only', async () => {
    const response = await fetch(`${readWrite.base}/queues/api/queues/regions-poll/${TASK}/promote`, { method: 'PUT' });
    expect(response.status).toBe(204);
    expect(await (await pollQueue.getJob(TASK))?.getState()).toBe('waiting');
  });
});
