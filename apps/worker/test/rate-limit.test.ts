import { monitorEventLoopDelay } from 'node:perf_hooks';
import { test } from '@regionwatch/testkit/vitest';
import { afterAll, describe, expect } from 'vitest';
import { maxInSlidingWindow } from '@regionwatch/testkit';
import { rpsWindow } from '@regionwatch/core';
import { createHarness, type Harness } from './support/harness.js';

let h: Harness;
test.beforeAll(async ({ fileRedis }) => {
  h = await createHarness(fileRedis, {
    env: { ASPOSE_MAX_RPS: '10', WORKER_CONCURRENCY: '20', POLL_INITIAL_DELAY_MS: '1', POLL_MAX_DELAY_MS: '50' },
  });
});
afterAll(() => h.close());

describe('ASPOSE_MAX_RPS', () => {
  test('caps requests to Aspose across two replicas together', async () => {
    await Promise.all([h.startWorker(), h.startWorker()]);
    const ids = Array.from({ length: 40 }, () =>
      h.simulator.createTask({ pendingMs: 400, processingMs: 300, outcome: { status: 'Completed' } }),
    );
    h.simulator.resetCounters();
    // Workers and simulator share this process: a request can reach the simulator late by this
    // event loop's delay, which is measured and allowed for below.
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    await h.producer.trackMany(ids);
    await h.waitFor('every result', async () => ((await h.resultsQueue.count()) === ids.length ? true : undefined), 60_000);

    const gets = h.simulator
      .requestLog()
      .filter((entry) => entry.endpoint === 'get')
      .map((entry) => entry.at);
    // Unthrottled, 40 tasks would all be polled within a few ms: the cap was exercised.
    expect(gets.length).toBeGreaterThanOrEqual(40);
    expect((gets.at(-1) ?? 0) - (gets[0] ?? 0)).toBeGreaterThan((gets.length / 10 - 1) * 1_000 - 100);
    // At most 10 in any sliding second, as Aspose sees it (allowing loopback jitter, 20 ms, and the
    // measured event-loop delay between the limiter's admission in Redis and the request's arrival).
    lag.disable();
    expect(maxInSlidingWindow(gets, 1_000 - 20 - Math.ceil(lag.max / 1e6))).toBeLessThanOrEqual(10);
  }, 90_000);

  test('maps rates to limiter windows (BullMQ and the per-request limiter share it)', () => {
    expect(rpsWindow(10)).toEqual({ max: 10, duration: 1_000 });
    expect(rpsWindow(2.5)).toEqual({ max: 2, duration: 1_000 });
    expect(rpsWindow(0.5)).toEqual({ max: 1, duration: 2_000 });
  });
});
