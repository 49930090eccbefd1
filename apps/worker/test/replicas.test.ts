import { regionResultSchema, type Region, type RegionResult } from '@regionwatch/core';
import { SOURCE_WORKER, startWorkerProcess, type WorkerProcess } from '@regionwatch/testkit';
import { test } from '@regionwatch/testkit/vitest';
import { afterAll, describe, expect } from 'vitest';
import { createHarness, type Harness } from './support/harness.js';

let h: Harness;
const children: WorkerProcess[] = [];
test.beforeAll(async ({ fileRedis }) => {
  h = await createHarness(fileRedis, { env: { WORKER_LOCK_DURATION_MS: '2000', LOG_LEVEL: 'info' }, simulator: { seed: 7 } });
});
afterAll(async () => {
  for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGKILL');
  await h.close();
});

async function child(extra: Record<string, string> = {}): Promise<WorkerProcess> {
  // The worker's sources, exactly as `npm run worker` starts them.
  const worker = await startWorkerProcess({ ...h.env, ...extra }, { entry: SOURCE_WORKER });
  children.push(worker);
  return worker;
}

describe('replicas in their own processes', () => {
  test('SIGKILL mid-run loses nothing: a second replica finishes every task, each delivered to an idempotent receiver', async () => {
    const count = 150;
    // Each task's rectangles are scripted here, so what every result must hold is known without
    // decoding anything: task i has one rectangle [i, 2i, i + 10, 2i + 20] (none for the failed tenth).
    const expectedRegions = (i: number): Region[] => (i % 10 === 0 ? [] : [{ left: i, top: 2 * i, right: i + 10, bottom: 2 * i + 20 }]);
    const ids = Array.from({ length: count }, (_, i) =>
      h.simulator.createTask({
        pendingMs: 200 + (i % 7) * 100,
        processingMs: 200,
        outcome:
          i % 10 === 0
            ? { status: 'Error', messages: [`failed ${i}`] }
            : { status: 'Completed', rectangles: [[[i, 2 * i, i + 10, 2 * i + 20]]] },
      }),
    );
    const first = await child({ WORKER_CONCURRENCY: '16' });
    const tracked = await h.producer.trackMany(ids.map((taskId) => ({ taskId, webhookUrl: h.receiver.url })));
    expect(tracked.every((t) => t.ok && t.created)).toBe(true);

    await h.waitFor('some results before the crash', async () => ((await h.resultsQueue.count()) >= 20 ? true : undefined));
    first.process.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const doneAtCrash = await h.resultsQueue.count();
    expect(doneAtCrash).toBeLessThan(count); // the crash really happened mid-run

    const second = await child();
    await h.waitFor('every result', async () => ((await h.resultsQueue.count()) === count ? true : undefined), 60_000);
    await h.waitFor('every webhook', () => (h.receiver.accepted.size === count ? true : undefined), 30_000);

    for (const [i, taskId] of ids.entries()) {
      const result = regionResultSchema.parse((await h.resultsQueue.getJob(taskId))?.data);
      expect(result.status).toBe(i % 10 === 0 ? 'Error' : 'Completed');
      expect(result.regions).toEqual(expectedRegions(i));
      expect(result.errors).toEqual(i % 10 === 0 ? [`failed ${i}`] : []);
      expect((h.receiver.accepted.get(taskId)?.body as { data: RegionResult }).data).toEqual(result);
    }
    // At-least-once: a delivery in flight at the kill may be repeated, never more than the work in flight.
    expect(h.receiver.duplicatesSuppressed).toBeLessThanOrEqual(16);
    expect(await h.pollQueue.getJobCounts('failed', 'active', 'delayed', 'waiting')).toEqual({
      failed: 0,
      active: 0,
      delayed: 0,
      waiting: 0,
    });

    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 120_000);

  test('SIGTERM: /readyz answers 503 while jobs are still in flight, those jobs finish, the process exits 0', async () => {
    // A shutdown timeout far beyond this test's: the worker waits for its jobs, however slow the run.
    const worker = await child({ WORKER_CONCURRENCY: '4', SHUTDOWN_TIMEOUT_MS: '600000' });
    const port = worker.healthPort;
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, reasons: [] });

    // Every request to Aspose is held until the test releases it: the jobs stay in flight for as
    // long as the checks below take, on any machine.
    h.simulator.resetCounters();
    h.simulator.setFaults({ latency: { rate: 1, ms: 3_600_000 } });
    const ids = Array.from({ length: 4 }, () =>
      h.simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed' } }),
    );
    await h.producer.trackMany(ids);
    // All four (WORKER_CONCURRENCY): with fewer, a job still starting could become active after the SIGTERM below.
    const inFlight = await h.waitFor('every job active, its request held by Aspose', async () => {
      const active = await h.pollQueue.getActive();
      return active.length === ids.length && h.simulator.counters().faults >= active.length
        ? active.map((job) => String(job.id))
        : undefined;
    });

    worker.process.kill('SIGTERM');
    const during = await h.waitFor('readyz 503', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      return response?.status === 503 ? response : undefined;
    });
    expect(await during.json()).toEqual({ ready: false, reasons: ['shutting down'] });
    // "At once": not after draining — the jobs it was running are still active, their answers still held.
    expect((await h.pollQueue.getActive()).map((job) => String(job.id)).sort()).toEqual([...inFlight].sort());
    for (const id of inFlight) expect(await h.resultsQueue.getJob(id)).toBeUndefined();
    expect(worker.process.exitCode).toBeNull();

    h.simulator.clearFaults();
    h.simulator.releaseHeld();
    expect(await worker.exited).toBe(0);
    // What was in flight finished; nothing is left active or stuck.
    expect(await h.pollQueue.getActiveCount()).toBe(0);
    for (const id of inFlight) expect((await h.resultsQueue.getJob(id))?.data.status).toBe('Completed');
    expect(worker.lines.some((line) => line.includes('"worker stopped"'))).toBe(true);
  }, 60_000);
});
