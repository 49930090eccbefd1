import { loadConfig } from '@regionwatch/core';
import { RegionTaskProducer } from '@regionwatch/producer';
import { waitFor } from '@regionwatch/testkit';
import { testRedis } from '@regionwatch/testkit/vitest';
import { Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDashboard, type Served } from './support/serve.js';

// Issue 11: the task page redacted webhook URLs, Bull Board's job views showed them raw. Every job
// field Bull Board serves — data, return value, failed reason, stack trace, job logs — is redacted.
const { url, prefix } = testRedis('board-redaction');
const env = { REDIS_URL: url, REGIONWATCH_PREFIX: prefix, DASHBOARD_PORT: '0', LOG_LEVEL: 'silent' };
const TASK = 'redacted-task-1';
const LEAKS = ['data-s3cret', 'user:pw', 'fail-s3cret', 'log-s3cret', 'return-s3cret'];

let producer: RegionTaskProducer;
let pollQueue: Queue;
let webhookQueue: Queue;
let dashboard: Served;

beforeAll(async () => {
  producer = new RegionTaskProducer({ connection: url, prefix, initialDelayMs: 600_000 });
  await producer.track(TASK, { webhookUrl: 'https://user:pw@hooks.example.com/in?token=data-s3cret&v=2' });
  webhookQueue = new Queue('regions-webhooks', { connection: { url }, prefix });
  pollQueue = new Queue('regions-poll', { connection: { url }, prefix });
  // A delivery that fails with a URL in its message and logs one, and one that returns a URL.
  const event = { type: 'regions.failed', timestamp: new Date().toISOString(), data: { taskId: 'hook-failed' } };
  await webhookQueue.add('deliver', { url: 'https://hooks.example.com/x?sig=data-s3cret', event }, { jobId: 'hook-failed', attempts: 1 });
  await webhookQueue.add('deliver', { url: 'https://hooks.example.com/y', event }, { jobId: 'hook-returned' });
  const worker = new Worker(
    'regions-webhooks',
    async (job) => {
      await job.log('POST https://hooks.example.com/x?sig=log-s3cret');
      if (job.id === 'hook-failed') throw new Error('POST https://user:pw@hooks.example.com/x?sig=fail-s3cret answered 500');
      return { echoed: 'https://hooks.example.com/y?sig=return-s3cret' };
    },
    { connection: { url }, prefix },
  );
  await waitFor(
    'both deliveries to settle',
    async () => ((await webhookQueue.getJobCounts('completed', 'failed')).failed === 1 ? true : undefined),
    15_000,
  );
  await waitFor(
    'the returned delivery',
    async () => ((await webhookQueue.getJobCounts('completed')).completed === 1 ? true : undefined),
    15_000,
  );
  await worker.close();
  dashboard = await serveDashboard({ config: loadConfig(env) });
});
afterAll(async () => {
  await dashboard?.close();
  await Promise.all([pollQueue?.close(), webhookQueue?.close()]);
  await producer?.close();
});

async function api(path: string): Promise<string> {
  const response = await fetch(`${dashboard.base}/queues/api${path}`);
  expect(response.status, path).toBe(200);
  return response.text();
}

function expectNoLeak(text: string, where: string): void {
  for (const leak of LEAKS) expect(text, `${where} shows ${leak}`).not.toContain(leak);
}

describe('Bull Board’s job views', () => {
  it('show job data with URLs redacted (the adapter’s data formatter)', async () => {
    const text = await api(`/queues/regions-poll/${TASK}`);
    expectNoLeak(text, 'the poll job');
    const { job } = JSON.parse(text) as { job: { data: { webhookUrl: string; taskId: string } } };
    expect(job.data).toMatchObject({ taskId: TASK, webhookUrl: 'https://[redacted]@hooks.example.com/in?token=[redacted]&v=[redacted]' });
  });

  it('show failed reasons, stack traces and return values redacted', async () => {
    const failed = await api('/queues/regions-webhooks/hook-failed');
    expectNoLeak(failed, 'the failed delivery');
    expect(failed).toContain('https://[redacted]@hooks.example.com/x?sig=[redacted] answered 500');
    const returned = await api('/queues/regions-webhooks/hook-returned');
    expectNoLeak(returned, 'the completed delivery');
    expect(returned).toContain('https://hooks.example.com/y?sig=[redacted]');
  });

  it('show job logs redacted', async () => {
    const logs = await api('/queues/regions-webhooks/hook-failed/logs');
    expectNoLeak(logs, 'the job logs');
    expect(logs).toContain('sig=[redacted]');
  });

  it('show the job lists redacted', async () => {
    for (const [queue, status] of [
      ['regions-poll', 'delayed'],
      ['regions-webhooks', 'failed'],
      ['regions-webhooks', 'completed'],
    ]) {
      expectNoLeak(await api(`/queues?activeQueue=${queue}&status=${status}&page=1&jobsPerPage=10`), `${queue} ${status}`);
    }
  });
});

describe('writing shown data back', () => {
  it('refuses to store data that still holds a redaction mark (edit or duplicate of a redacted job)', async () => {
    const edit = await fetch(`${dashboard.base}/queues/api/queues/regions-poll/${TASK}/update-data`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jobData: { taskId: TASK, webhookUrl: 'https://hooks.example.com/in?token=[redacted]' } }),
    });
    expect(edit.status).toBe(400);
    expect(await edit.json()).toMatchObject({
      error: { key: 'ERRORS.INVALID_REQUEST_BODY' },
      message: expect.stringContaining('[redacted]') as string,
    });
    expect(((await pollQueue.getJob(TASK))?.data as { webhookUrl: string }).webhookUrl).toContain('data-s3cret');

    const before = await pollQueue.count();
    const duplicate = await fetch(`${dashboard.base}/queues/api/queues/regions-poll/add`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'poll', data: { taskId: 'copy-1', webhookUrl: 'https://[redacted]@hooks.example.com/in' } }),
    });
    expect(duplicate.status).toBe(400);
    expect(await pollQueue.count()).toBe(before);
  });

  it('still lets an operator write data without the mark', async () => {
    const edit = await fetch(`${dashboard.base}/queues/api/queues/regions-poll/${TASK}/update-data`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jobData: { taskId: TASK, webhookUrl: 'https://hooks.example.com/in?token=data-s3cret-2' } }),
    });
    expect(edit.status).toBe(200);
    expect(((await pollQueue.getJob(TASK))?.data as { webhookUrl: string }).webhookUrl).toContain('data-s3cret-2');
  });
});
