import { loadDashboardConfig, pollShards, shardOfTask, WEBHOOK_QUEUE } from '@regionwatch/core';
import { RegionTaskProducer } from '@regionwatch/producer';
import { testRedis } from '@regionwatch/testkit/vitest';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDashboard, type Served } from './support/serve.js';

// POLL_SHARDS=3: every shard's poll queue on the board, each task found (and linked) in its own shard.
// No worker: tracked tasks wait, delayed, in their shards' queues.
const { url, prefix } = testRedis('dashboard-shards');
const env = { REDIS_URL: url, REGIONWATCH_PREFIX: prefix, POLL_SHARDS: '3', DASHBOARD_PORT: '0', LOG_LEVEL: 'silent' };
// The README's worked examples: shards 0, 1 and 2.
const TASKS = ['task-42', '3f2b8c1e-6d4a-4b7e-9c2f-1a5e8d7b0c94', '5e1a7f3c-0b9d-4c2e-8f6a-9d3b2c1e0a77', 'board-shard-4'];

type QueuesResponse = { queues: { name: string; counts: Record<string, number> }[] };

let producer: RegionTaskProducer;
let dashboard: Served;
beforeAll(async () => {
  producer = new RegionTaskProducer({ connection: url, prefix, shards: 3, initialDelayMs: 600_000 });
  await producer.trackMany(TASKS);
  dashboard = await serveDashboard({ config: loadDashboardConfig(env) });
});
afterAll(async () => {
  await dashboard?.close();
  await producer?.close();
});

describe('the dashboard with POLL_SHARDS=3', () => {
  it('lists the three shard queues on the board, each with its own tasks', async () => {
    const response = await fetch(`${dashboard.base}/queues/api/queues`);
    expect(response.status).toBe(200);
    const listed = ((await response.json()) as QueuesResponse).queues;
    expect(listed.map((q) => q.name)).toEqual([
      'p0.regions-poll',
      'p1.regions-poll',
      'p2.regions-poll',
      'regions-results',
      'p0.regions-webhooks',
      'p1.regions-webhooks',
      'p2.regions-webhooks',
    ]);
    const expected = [0, 1, 2].map((shard) => TASKS.filter((id) => shardOfTask(id, 3) === shard).length);
    expect(listed.slice(0, 3).map((q) => q.counts.delayed)).toEqual(expected);
  });

  it("finds a task's webhook delivery in its shard's webhook queue and links to it there", async () => {
    // A delivery as the hand-off adds it: in the task's shard's queue (no worker here to deliver it).
    const id = TASKS[2] as string; // shard 2
    const shard = pollShards(prefix, 3)[2]!;
    const queue = new Queue(WEBHOOK_QUEUE, { connection: { url }, prefix: shard.prefix });
    try {
      await queue.add('webhook', { url: 'https://hooks.example.com/x', event: {} }, { jobId: id, delay: 600_000 });
      const view = (await (await fetch(`${dashboard.base}/api/tasks/${id}`)).json()) as { webhook: { queue: string; boardPath: string } };
      expect(view.webhook).toMatchObject({ queue: 'p2.regions-webhooks', boardPath: `/queues/queue/p2.regions-webhooks/${id}` });
      const job = await fetch(`${dashboard.base}/queues/api/queues/p2.regions-webhooks/${id}`);
      expect(job.status).toBe(200);
      const listed = ((await (await fetch(`${dashboard.base}/queues/api/queues`)).json()) as QueuesResponse).queues;
      expect(listed.filter((q) => q.name.endsWith('regions-webhooks')).map((q) => q.counts.delayed)).toEqual([0, 0, 1]);
    } finally {
      await queue.remove(id);
      await queue.close();
    }
  });

  it('finds each task in its shard and links to its job there', async () => {
    for (const [index, id] of TASKS.slice(0, 3).entries()) {
      const response = await fetch(`${dashboard.base}/api/tasks/${id}`);
      expect(response.status).toBe(200);
      const view = (await response.json()) as { poll: { queue: string; state: string; boardPath: string } };
      expect(view.poll).toMatchObject({
        queue: `p${index}.regions-poll`,
        state: 'delayed',
        boardPath: `/queues/queue/p${index}.regions-poll/${id}`,
      });
      // Bull Board's page of that job answers (the shard's name resolves to the shard's queue).
      const job = await fetch(`${dashboard.base}/queues/api/queues/p${index}.regions-poll/${id}`);
      expect(job.status).toBe(200);
      expect(((await job.json()) as { job: { id: string } }).job.id).toBe(id);
    }
  });
});
