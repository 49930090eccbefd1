import { POLL_QUEUE, shardOfTask } from '@regionwatch/core';
import { RegionTaskProducer } from '@regionwatch/producer';
import { maxInSlidingWindow, spawnRedisServer } from '@regionwatch/testkit';
import { test } from '@regionwatch/testkit/vitest';
import { Redis } from 'ioredis';
import { afterAll, describe, expect } from 'vitest';
import { createHarness, type Harness } from './support/harness.js';

// This file has a Redis of its own: it watches every command with MONITOR to see each admission the
// shared limiter records, stamped with Redis's clock — the clock the limiter decides by. Judged on
// that clock, the check cannot be moved by how busy this machine is. (Whether requests admitted in
// one second can *arrive* at Aspose bunched into the next is issue 9 §6's storm check.)
let redisServer: Awaited<ReturnType<typeof spawnRedisServer>>;
let monitor: Redis | undefined;
let h: Harness;
const prefix = 'rwtest-rate-limit';
const limiterKey = `${prefix}:${POLL_QUEUE}:aspose-rate`;
// 10 per 1.1 s (ARRIVAL_MARGIN_MS included), spaced a gap of 110 ms apart: never more than two within one gap.
const gapMs = 110;
/** Redis-clock ms of every request the limiter admitted (its ZADD on the limiter key). */
const admissions: number[] = [];

test.beforeAll(async () => {
  redisServer = await spawnRedisServer();
  monitor = await new Redis(redisServer.url).monitor();
  monitor.on('monitor', (_time: string, args: string[]) => {
    // `tat` is the window's spacing mark (the next admission's theoretical time), not an admission.
    if (args[0]?.toLowerCase() === 'zadd' && args[1] === limiterKey && args[3] !== 'tat') admissions.push(Number(args[2]));
  });
  h = await createHarness(
    { url: redisServer.url, prefix },
    { env: { ASPOSE_MAX_RPS: '10', WORKER_CONCURRENCY: '20', POLL_INITIAL_DELAY_MS: '1', POLL_MAX_DELAY_MS: '50' } },
  );
});
afterAll(async () => {
  await h?.close();
  monitor?.disconnect();
  await redisServer?.stop();
});

describe('ASPOSE_MAX_RPS', () => {
  test('caps Aspose requests across two replicas: at most 10 admitted in any second of Redis time, every GET admitted', async () => {
    await Promise.all([h.startWorker(), h.startWorker()]);
    const ids = Array.from({ length: 40 }, () =>
      h.simulator.createTask({ pendingMs: 400, processingMs: 300, outcome: { status: 'Completed' } }),
    );
    h.simulator.resetCounters();
    admissions.length = 0;
    await h.producer.trackMany(ids);
    await h.waitFor('every result', async () => ((await h.resultsQueue.count()) === ids.length ? true : undefined), 60_000);

    const gets = h.simulator.requestLog().filter((entry) => entry.endpoint === 'get');
    // 40 tasks, each polled at least once: unthrottled, they would all go within a few ms; the
    // limiter had to spread them over at least three seconds.
    expect(gets.length).toBeGreaterThanOrEqual(40);
    // No request bypassed the limiter: every GET Aspose received was admitted first.
    expect(admissions.length).toBeGreaterThanOrEqual(gets.length);
    expect(maxInSlidingWindow(admissions, 1_000)).toBeLessThanOrEqual(10);
    expect(maxInSlidingWindow(admissions, gapMs)).toBeLessThanOrEqual(2); // spaced, not a window's worth at once
    expect(Math.max(...admissions) - Math.min(...admissions)).toBeGreaterThanOrEqual(3_000);
  }, 90_000);

  test('stays ONE budget with POLL_SHARDS=3: three shard queues, two replicas, at most 10 admitted in any second', async () => {
    const shards = { POLL_SHARDS: '3' };
    await Promise.all([h.startWorker(shards), h.startWorker(shards)]);
    const producer = new RegionTaskProducer({ connection: redisServer.url, prefix, shards: 3, initialDelayMs: 1 });
    try {
      const ids = Array.from({ length: 45 }, () =>
        h.simulator.createTask({ pendingMs: 400, processingMs: 300, outcome: { status: 'Completed' } }),
      );
      expect(new Set(ids.map((id) => shardOfTask(id, 3))).size).toBe(3); // all three shards have work
      await h.resultsQueue.obliterate({ force: true });
      h.simulator.resetCounters();
      admissions.length = 0;
      await producer.trackMany(ids);
      await h.waitFor('every result', async () => ((await h.resultsQueue.count()) === ids.length ? true : undefined), 60_000);
      const gets = h.simulator.requestLog().filter((entry) => entry.endpoint === 'get');
      expect(gets.length).toBeGreaterThanOrEqual(45);
      expect(admissions.length).toBeGreaterThanOrEqual(gets.length);
      expect(maxInSlidingWindow(admissions, 1_000)).toBeLessThanOrEqual(10);
      expect(maxInSlidingWindow(admissions, gapMs)).toBeLessThanOrEqual(2);
      expect(Math.max(...admissions) - Math.min(...admissions)).toBeGreaterThanOrEqual(3_000);
    } finally {
      await producer.close();
    }
  }, 90_000);
});
