import { loadConfig, recordBodyFor, truncateText, type RegionResult } from '@regionwatch/core';
import { waitFor } from '@regionwatch/testkit';
import { testRedis } from '@regionwatch/testkit/vitest';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LISTED_MESSAGES, MAX_SHOWN_TEXT } from '../src/index.js';
import { serveDashboard, type Served } from './support/serve.js';

// Issue 11, "every dashboard page and job field": what the task lookup shows comes from other
// services (Aspose's messages, receivers' failures, producers' metadata). URLs in any of it are
// redacted on the page and in the JSON view, and the page shows long texts and lists bounded.
const { url, prefix } = testRedis('task-leaks');
const env = { REDIS_URL: url, REGIONWATCH_PREFIX: prefix, DASHBOARD_PORT: '0', LOG_LEVEL: 'silent' };
const TASK = 'leaky-task-1';
const LEAKS = ['hook-s3cret', 'meta-s3cret', 'lasterr-s3cret', 'aspose-s3cret', 'receiver-s3cret', 'user:pw'];

let pollQueue: Queue;
let webhookQueue: Queue;
let dashboard: Served;

beforeAll(async () => {
  pollQueue = new Queue('regions-poll', { connection: { url }, prefix });
  webhookQueue = new Queue('regions-webhooks', { connection: { url }, prefix });
  const now = new Date().toISOString();
  const result: RegionResult = {
    taskId: TASK,
    status: 'Error',
    regions: [],
    results: [],
    responseStatusCode: 'Error',
    errors: [
      'image at https://user:pw@images.example/x.png?sig=aspose-s3cret could not be read',
      ...Array.from({ length: 500 }, (_, i) => `error ${i}`),
    ],
    warnings: [`huge ${'w'.repeat(50_000)}`],
    metadata: { callback: 'https://app.example/cb?key=meta-s3cret' },
    submittedAt: now,
    finishedAt: now,
    polls: 3,
  };
  // As the worker leaves a task it decided: progress in the job's `progress` field (bounded by the
  // worker), the result in the task record beside the job.
  const job = await pollQueue.add(
    'poll',
    { taskId: TASK, webhookUrl: 'https://hooks.example/in?token=hook-s3cret', metadata: result.metadata },
    { jobId: TASK, delay: 600_000 },
  );
  await job.updateProgress({
    polls: 3,
    transientErrors: 1,
    lastError: truncateText(
      `token endpoint unreachable: https://user:pw@auth.example/connect/token?client_secret=lasterr-s3cret ${'x'.repeat(20_000)}`,
    ),
    history: [{ status: 'Pending', count: 2 }],
  });
  const body = recordBodyFor(result, [{ status: 'Pending', count: 2 }], {
    results: null,
    webhooks: ['https://hooks.example/in?token=hook-s3cret'],
  });
  const redis = new Redis(url);
  await redis.hset(`${prefix}:regions-poll:${TASK}:task`, 'chain', 'test', 'body', JSON.stringify(body));
  redis.disconnect();
  await webhookQueue.add(
    'deliver',
    { url: 'https://hooks.example/in?token=hook-s3cret', event: { type: 'regions.failed', timestamp: now, data: result } },
    { jobId: TASK, attempts: 1 },
  );
  const worker = new Worker(
    'regions-webhooks',
    () => Promise.reject(new Error('POST https://hooks.example/in?token=receiver-s3cret: connect ECONNREFUSED')),
    { connection: { url }, prefix },
  );
  await waitFor('the delivery to fail', async () => ((await webhookQueue.getJobCounts('failed')).failed === 1 ? true : undefined), 15_000);
  await worker.close();
  dashboard = await serveDashboard({ config: loadConfig(env) });
});
afterAll(async () => {
  await dashboard?.close();
  await Promise.all([pollQueue?.close(), webhookQueue?.close()]);
});

function expectNoLeak(text: string, where: string): void {
  for (const leak of LEAKS) expect(text, `${where} shows ${leak}`).not.toContain(leak);
}

describe('the task lookup', () => {
  it('redacts URLs in every field of the JSON view: webhook URL, metadata, last error, failed reason, Aspose’s messages', async () => {
    const response = await fetch(`${dashboard.base}/api/tasks/${TASK}`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expectNoLeak(text, 'the JSON view');
    expect(text).toContain('client_secret=[redacted]');
    expect(text).toContain('https://hooks.example/in?token=[redacted]: connect ECONNREFUSED');
  });

  it('redacts them on the page too, and bounds long texts and lists', async () => {
    const response = await fetch(`${dashboard.base}/tasks/${TASK}`);
    expect(response.status).toBe(200);
    const page = await response.text();
    expectNoLeak(page, 'the task page');
    expect(page).toContain('images.example/x.png?sig=[redacted]');
    expect(page).not.toContain('x'.repeat(MAX_SHOWN_TEXT + 1));
    expect(page).not.toContain('w'.repeat(MAX_SHOWN_TEXT + 1));
    expect(page).toContain(`error ${MAX_LISTED_MESSAGES - 2}`);
    expect(page).not.toContain(`error ${MAX_LISTED_MESSAGES}<`);
    expect(page).toContain(`${501 - MAX_LISTED_MESSAGES} more in the JSON view`);
    expect(page.length).toBeLessThan(60_000);
  });

  it('does not echo a long unknown path in the 404 page', async () => {
    const path = `/nothing-${'p'.repeat(5_000)}`;
    const response = await fetch(`${dashboard.base}${path}`);
    expect(response.status).toBe(404);
    expect((await response.text()).length).toBeLessThan(5_000);
  });
});
