import { test } from '@regionwatch/testkit/vitest';
import { afterAll, describe, expect } from 'vitest';
import type { RunningWorker } from '../src/index.js';
import { createHarness, type Harness } from './support/harness.js';

let h: Harness;
let worker: RunningWorker;
let base: string;
test.beforeAll(async ({ fileRedis }) => {
  h = await createHarness(fileRedis);
  worker = await h.startWorker({ WEBHOOK_URL: h.receiver.url });
  base = `http://127.0.0.1:${worker.healthPort}`;
});
afterAll(() => h.close());

describe('health and metrics server', () => {
  test('answers /healthz and /readyz while running', async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, reasons: [] });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  test('exposes the contract metrics in Prometheus text, counting real work', async () => {
    const taskId = h.simulator.createTask({
      pendingMs: 0,
      processingMs: 0,
      outcome: { status: 'Completed', rectangles: [[[1, 2, 3, 4]]] },
    });
    await h.producer.track(taskId, { submittedAt: new Date(Date.now() - 2_000) });
    await h.waitFor('delivery', () => h.receiver.accepted.get(taskId));
    await h.waitFor('delivered metric', async () =>
      /outcome="delivered",prefix="[^"]+"\} 1$/m.test(
        await worker.metrics.registry.getSingleMetricAsString('regionwatch_webhook_deliveries_total'),
      )
        ? true
        : undefined,
    );

    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const labelled = await response.text();
    // Every series carries the environment's prefix (REGIONWATCH_PREFIX) as a label.
    const prefixLabel = `prefix="${h.config.REGIONWATCH_PREFIX}"`;
    const samples = labelled.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(samples.filter((line) => !line.includes(prefixLabel))).toEqual([]);
    const text = labelled.replaceAll(`,${prefixLabel}`, '').replaceAll(`{${prefixLabel}}`, '');
    expect(text).toMatch(/^regionwatch_polls_total\{outcome="completed"\} 1$/m);
    expect(text).toMatch(/^regionwatch_tasks_finished_total\{status="Completed"\} 1$/m);
    expect(text).toMatch(/^regionwatch_tasks_finished_total\{status="Expired"\} 0$/m);
    expect(text).toMatch(/^regionwatch_poll_duration_seconds_count 1$/m);
    expect(text).toMatch(/^regionwatch_time_to_result_seconds_count 1$/m);
    expect(text).toMatch(/^regionwatch_time_to_result_seconds_bucket\{le="1"\} 0$/m); // submitted 2 s before
    expect(text).toMatch(/^regionwatch_webhook_deliveries_total\{outcome="delivered"\} 1$/m);
    const endpoint = new URL(h.receiver.url).origin;
    expect(text).toContain(`regionwatch_webhook_attempts_total{endpoint="${endpoint}",outcome="delivered"} 1\n`);
    expect(text).toContain(`regionwatch_webhook_breaker_state{endpoint="${endpoint}"} 0\n`);
    expect(text).toContain(`regionwatch_webhook_held{endpoint="${endpoint}"} 0\n`);
    expect(text).toContain(`regionwatch_webhook_oldest_undelivered_seconds{endpoint="${endpoint}"} 0\n`);
    expect(text).toMatch(/^regionwatch_queue_jobs\{queue="regions-poll",state="completed"\} 0$/m); // removed: the task record stands for it
    expect(text).toMatch(/^regionwatch_queue_jobs\{queue="regions-results",state="waiting"\} 1$/m);
    expect(text).toMatch(/^regionwatch_queue_jobs\{queue="regions-webhooks",state="completed"\} 1$/m);
    expect(text).toMatch(/^regionwatch_results_backlog_jobs 1$/m);
    // Health, as /readyz sees it, and Redis.
    expect(text).toMatch(/^regionwatch_redis_up 1$/m);
    expect(text).toMatch(/^regionwatch_ready 1$/m);
    for (const reason of [
      'starting',
      'shutting_down',
      'redis',
      'aspose_auth',
      'aspose_invalid_response',
      'aspose_misconfigured',
      'results_backlog',
    ])
      expect(text).toMatch(new RegExp(`^regionwatch_not_ready\\{reason="${reason}"\\} 0$`, 'm'));
    expect(text).toMatch(/^regionwatch_redis_used_memory_bytes [1-9]\d*$/m);
    expect(text).toMatch(/^regionwatch_redis_maxmemory_bytes \d+$/m);
  });

  test('goes not-ready the moment shutdown starts', async () => {
    const closing = worker.close(5_000);
    // The gauges say so too (read from the registry: with nothing in flight the server closes quickly).
    const metrics = worker.metrics.registry.metrics();
    // The server keeps answering while jobs drain, and says why it is not ready.
    const answer = await fetch(`${base}/readyz`);
    expect(answer.status).toBe(503);
    expect(((await answer.json()) as { reasons: string[] }).reasons).toContain('shutting down');
    expect(await metrics).toMatch(/^regionwatch_ready\{prefix="[^"]+"\} 0$/m);
    expect(await metrics).toMatch(/^regionwatch_not_ready\{reason="shutting_down",prefix="[^"]+"\} 1$/m);
    await closing;
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
