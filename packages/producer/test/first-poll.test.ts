import { createCompletionLearner, createMemoryCompletionLearner, POLL_QUEUE } from '@regionwatch/core';
import { it, type TestRedis } from '@regionwatch/testkit/vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect } from 'vitest';
import { RegionTaskProducer } from '../src/index.js';
import { FIRST_POLL_DEFAULTS, FirstPollPlanner, type FirstPollSettings } from '../src/first-poll-planner.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

function setup({ url, prefix }: TestRedis, polling: Partial<FirstPollSettings> = {}) {
  const producer = new RegionTaskProducer({ connection: url, prefix, polling: { POLL_INITIAL_DELAY_MS: 1_000, ...polling } });
  const queue = new Queue(POLL_QUEUE, { connection: { url }, prefix });
  open.push(producer, queue);
  return { producer, queue };
}

/** What the workers learned: 40 tasks of `kind` finished between 20 and 30 s after submission (the shared estimate too). */
async function teach({ url, prefix }: TestRedis, kind: string): Promise<void> {
  const connection = new Redis(url);
  try {
    const learner = createCompletionLearner(connection, prefix, { refreshMs: 0, flushMs: 3_600_000 });
    for (let i = 0; i < 40; i += 1) await learner.observe(kind, { afterMs: 20_000, atMostMs: 30_000 });
    await learner.flush();
    expect((await learner.estimate(kind)).usable).toBe(true);
  } finally {
    connection.disconnect();
  }
}

const id = (n: number) => `5a1d2c3b-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('the first poll of a tracked task', () => {
  it('adaptive, completion times learned: at the learned first poll (delay, firstPollAt for the worker, priority 1)', async ({ redis }) => {
    await teach(redis, 'scan');
    const { producer, queue } = setup(redis);
    const before = Date.now();
    await producer.trackMany([{ taskId: id(1), kind: 'scan' }, { taskId: id(2) }]); // a kind, and none (the shared estimate)
    const after = Date.now();
    for (const taskId of [id(1), id(2)]) {
      const job = await queue.getJob(taskId);
      const delay = Number(job?.opts.delay);
      // Tasks take 20-30 s: the first poll is far past POLL_INITIAL_DELAY_MS (1 s), within POLL_MAX_DELAY_MS (30 s).
      expect(delay).toBeGreaterThan(10_000);
      expect(delay).toBeLessThanOrEqual(FIRST_POLL_DEFAULTS.POLL_MAX_DELAY_MS);
      // firstPollAt is that poll's time: tracking time + the delay.
      const firstPollAt = Number(job?.data.firstPollAt);
      expect(firstPollAt - delay).toBeGreaterThanOrEqual(before);
      expect(firstPollAt - delay).toBeLessThanOrEqual(after);
      expect(job?.opts.priority).toBe(1);
      expect(await job?.getState()).toBe('delayed');
    }
  });

  it('falls back to POLL_INITIAL_DELAY_MS with nothing learned, and with POLL_STRATEGY=exponential whatever was learned', async ({
    redis,
  }) => {
    const fresh = setup(redis);
    await fresh.producer.track(id(3), { kind: 'scan' });
    await teach(redis, 'scan');
    const exponential = setup(redis, { POLL_STRATEGY: 'exponential' });
    await exponential.producer.track(id(4), { kind: 'scan' });
    for (const taskId of [id(3), id(4)]) {
      const job = await fresh.queue.getJob(taskId);
      expect(job?.opts.delay).toBe(1_000);
      expect(job?.data.firstPollAt).toBeUndefined(); // the worker's first run plans (and waits) itself, as before
      expect(job?.opts.priority ?? 0).toBe(0);
    }
  });

  it('reads one estimate per kind for a whole batch (through the learner, whose cache spares Redis across batches)', async () => {
    const learner = createMemoryCompletionLearner();
    const asked: (string | undefined)[] = [];
    const counting = { estimate: (kind?: string) => (asked.push(kind), learner.estimate(kind)) };
    const planner = new FirstPollPlanner(undefined as never, 'unused', FIRST_POLL_DEFAULTS, Math.random, counting);
    const jobs = Array.from({ length: 50 }, (_, i) => ({ taskId: id(i), ...(i % 2 ? { kind: 'scan' } : {}) }));
    const plans = await planner.plan(jobs, Date.now());
    expect(asked.sort()).toEqual(['scan', undefined]);
    expect(plans.every((p) => p.delay === FIRST_POLL_DEFAULTS.POLL_INITIAL_DELAY_MS && p.firstPollAt === undefined)).toBe(true);
  });
});
