import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rpsLimiter } from '../src/index.js';
import { createHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ env: { ASPOSE_MAX_RPS: '10', WORKER_CONCURRENCY: '20', POLL_INITIAL_DELAY_MS: '1', POLL_MAX_DELAY_MS: '50' } });
});
afterAll(() => h.close());

describe('ASPOSE_MAX_RPS', () => {
  it('caps requests to Aspose across two replicas together', async () => {
    await Promise.all([h.startWorker(), h.startWorker()]);
    const ids = Array.from({ length: 40 }, () => h.simulator.createTask({ pendingMs: 400, processingMs: 300, outcome: { status: 'Completed' } }));
    h.simulator.resetCounters();
    await h.producer.trackMany(ids);
    await h.waitFor('every result', async () => ((await h.resultsQueue.count()) === ids.length ? true : undefined), 60_000);

    const gets = h.simulator.requestLog().filter((entry) => entry.endpoint === 'get').map((entry) => entry.at);
    // Unthrottled, 40 tasks would all be polled within a few ms: the cap was exercised.
    expect(gets.length).toBeGreaterThanOrEqual(40);
    // No sliding one-second window holds more than the cap (BullMQ's limiter is a fixed window in
    // Redis; allow one window's worth of boundary overlap: at most 2 × cap in any sliding second).
    let worstSliding = 0;
    for (let i = 0, j = 0; i < gets.length; i += 1) {
      while ((gets[i] ?? 0) - (gets[j] ?? 0) >= 1_000) j += 1;
      worstSliding = Math.max(worstSliding, i - j + 1);
    }
    expect(worstSliding).toBeLessThanOrEqual(20);
    // Over the whole run: a span of s seconds touches at most floor(s) + 1 limiter windows of 10.
    // A window opens when a job starts; its request reaches Aspose a few ms later (allow 100 ms).
    const spanSeconds = ((gets.at(-1) ?? 0) - (gets[0] ?? 0) + 100) / 1_000;
    expect(gets.length).toBeLessThanOrEqual(10 * (Math.floor(spanSeconds) + 1));
  }, 90_000);

  it('maps rates to BullMQ limiter windows', () => {
    expect(rpsLimiter(10)).toEqual({ max: 10, duration: 1_000 });
    expect(rpsLimiter(2.5)).toEqual({ max: 2, duration: 1_000 });
    expect(rpsLimiter(0.5)).toEqual({ max: 1, duration: 2_000 });
  });
});
