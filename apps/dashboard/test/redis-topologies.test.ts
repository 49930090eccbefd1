import { randomBytes } from 'node:crypto';
import { createLogger, loadDashboardConfig, loadProducerConfig, loadWorkerConfig } from '@regionwatch/core';
import { RegionTaskProducer } from '@regionwatch/producer';
import { startSimulator } from '@regionwatch/simulator';
import { spawnNode, waitFor } from '@regionwatch/testkit';
import { test, uniquePrefix } from '@regionwatch/testkit/vitest';
import { startWorker } from '@regionwatch/worker';
import { afterEach, describe, expect } from 'vitest';
import type { TaskView } from '../src/index.js';
import { serveDashboard } from './support/serve.js';
import { WebhookSink } from './support/webhook-sink.js';

// The dashboard and `npm run replay` against a real Sentinel set-up and a real Redis Cluster, configured
// by the REDIS_* variables alone: a task tracked there shows up in the task lookup and in Bull Board, and
// its dead-lettered webhook is replayed.

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {});
});

async function lookupAndReplay(redisEnv: Record<string, string>, prefix: string): Promise<void> {
  const simulator = await startSimulator({ pendingMs: 30, processingMs: 30 });
  closers.push(() => simulator.close());
  const sink = await new WebhookSink().start();
  closers.push(() => sink.close());
  const env = { ...redisEnv, REGIONWATCH_PREFIX: prefix, LOG_LEVEL: 'silent' };
  const worker = await startWorker({
    config: loadWorkerConfig({
      ...env,
      ASPOSE_BASE_URL: simulator.url,
      ASPOSE_CLIENT_ID: simulator.credentials.clientId,
      ASPOSE_CLIENT_SECRET: simulator.credentials.clientSecret,
      POLL_INITIAL_DELAY_MS: '20',
      POLL_MAX_DELAY_MS: '80',
      METRICS_PORT: '0',
      WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_MAX_ATTEMPTS: '2',
      WEBHOOK_RETRY_BASE_MS: '20',
    }),
    logger: createLogger({ level: 'silent' }),
    defaultMetrics: false,
  });
  closers.push(() => worker.close(5_000));
  const dashboard = await serveDashboard({ config: loadDashboardConfig({ ...env, DASHBOARD_PORT: '0' }) });
  closers.push(() => dashboard.close());

  const taskId = simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed', rectangles: [[[1, 2, 3, 4]]] } });
  const producer = RegionTaskProducer.fromConfig(loadProducerConfig(env));
  try {
    await producer.waitUntilReady(10_000);
    await producer.track(taskId, { webhookUrl: `${sink.url}/fail` });
  } finally {
    await producer.close();
  }

  // The task lookup reads every queue through the dashboard's own connection.
  const view = await waitFor(
    'the dead-lettered delivery in the task lookup',
    async () => {
      const response = await fetch(`${dashboard.base}/api/tasks/${encodeURIComponent(taskId)}`);
      const body = (await response.json()) as TaskView;
      return body.poll?.state === 'completed' && body.webhook?.state === 'failed' ? body : undefined;
    },
    20_000,
  );
  expect(view.taskId).toBe(taskId);
  const board = await fetch(`${dashboard.base}/queues/api/queues`);
  expect(board.status).toBe(200);
  const names = ((await board.json()) as { queues: { name: string }[] }).queues.map((q) => q.name);
  expect(names).toEqual(expect.arrayContaining(['regions-poll', 'regions-webhooks']));

  // `npm run replay` in its own process, configured by the environment only.
  const replay = spawnNode('apps/worker/src/replay-cli.ts', [taskId], env);
  expect(await replay.exited, replay.lines.join('\n')).toBe(0);
  expect(replay.lines).toContain(`replayed ${taskId}`);
}

describe('dashboard and replay against a real Sentinel set-up', () => {
  test('the task lookup and Bull Board read the queues; replay re-queues a dead letter', async ({ sentinel }) => {
    await lookupAndReplay({ ...sentinel.env }, uniquePrefix('dash-sentinel'));
  }, 60_000);
});

describe('dashboard and replay against a real Redis Cluster', () => {
  test('the task lookup and Bull Board read the queues; replay re-queues a dead letter', async ({ cluster }) => {
    await lookupAndReplay({ ...cluster.env }, uniquePrefix('dash-cluster', { hashTag: true }));
  }, 60_000);
});
