import {
  agingPromotionsFor,
  createCompletionLearner,
  createLogger,
  JOB_NAMES,
  learnKeys,
  PROMOTION_COUNTER_SPAN,
  type CompletionLearner,
  type RegionResult,
} from '@regionwatch/core';
import { startSimulator, type Simulator } from '@regionwatch/simulator';
import { test } from '@regionwatch/testkit/vitest';
import { Redis } from 'ioredis';
import { afterAll, describe, expect } from 'vitest';
import { manualFetcher } from './support/manual-fetcher.js';
import { rescheduleJobIn, startWorker } from '../src/index.js';
import { createHarness } from './support/harness.js';
import { PollStepper, type StepOutcome } from './support/poll-stepper.js';

const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

/** Virtual time: every clock below (simulator, processor, learner) reads it; nothing waits for real. */
function manualClock(start: number) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

type Run = { polls: number[]; lastPriority: (string | null)[] };

/**
 * `tasks` tasks submitted every `everyMs` (virtual), completion times drawn by the simulator from the
 * log-normal workload (seeded: both strategies get the same times), each polled step by step at the
 * time its last run scheduled, earliest first, until all are decided. Returns each task's polls.
 */
async function runStrategy(
  redis: { url: string; prefix: string },
  strategy: 'adaptive' | 'exponential',
  options: { tasks: number; everyMs: number; priorities?: boolean; shards?: number },
): Promise<Run & { learner: CompletionLearner | undefined; stepper: PollStepper }> {
  // Far ahead of the real clock: BullMQ (which reads the real one) finds none of these jobs due by itself;
  // the stepper promotes exactly the one it runs.
  const clock = manualClock(Date.now() + 10 * 365 * 86_400_000);
  const simulator: Simulator = await startSimulator({
    seed: 7,
    now: clock.now,
    completionTimes: { workload: 'lognormal', tasks: options.tasks },
  });
  closers.push(() => simulator.close());
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  closers.push(async () => connection.disconnect());
  const learner =
    strategy === 'adaptive'
      ? createCompletionLearner(connection, redis.prefix, { minSamples: 10, refreshMs: 0, flushMs: 0, now: clock.now })
      : undefined;
  let seed = 1;
  // A seeded generator: the jitter is part of what the learner sees, and must be the same every run.
  const random = () => {
    seed = (seed * 16_807) % 2_147_483_647;
    return (seed - 1) / 2_147_483_646;
  };
  const stepper = new PollStepper(redis, {
    simulator,
    now: clock.now,
    random,
    env: {
      POLL_STRATEGY: strategy,
      POLL_INITIAL_DELAY_MS: '1000',
      POLL_MAX_DELAY_MS: '30000',
      ...(options.priorities ? { ASPOSE_MAX_RPS: '10' } : {}),
      ...(options.shards ? { POLL_SHARDS: String(options.shards) } : {}),
    },
    ...(learner ? { learner } : {}),
    ...(options.priorities ? { priorities: true } : {}),
  });
  closers.push(() => stepper.close());

  const due = new Map<string, number>();
  const order: string[] = [];
  const results = new Map<string, RegionResult['polls']>();
  const lastPriority: (string | null)[] = [];
  let submitted = 0;
  let nextArrival = clock.t;
  while (results.size < options.tasks) {
    const [next] = [...due.entries()].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
    if (submitted < options.tasks && (!next || nextArrival <= next[1])) {
      clock.t = nextArrival;
      const taskId = simulator.createTask({ outcome: { status: 'Completed', rectangles: [[[0, 0, 1, 1]]] } });
      order.push(taskId);
      // Tracked at submission, first run POLL_INITIAL_DELAY_MS later (as the producer delays it).
      await stepper.track({ taskId, submittedAt: new Date(clock.t).toISOString() }, { timestamp: clock.t });
      due.set(taskId, clock.t + 1000);
      submitted += 1;
      nextArrival += options.everyMs;
      continue;
    }
    if (!next) throw new Error('nothing due and nothing left to submit');
    const [taskId, at] = next;
    clock.t = Math.max(clock.t, at);
    const outcome: StepOutcome = await stepper.step(taskId);
    if (outcome.kind === 'delayed') {
      const nextPollAt = outcome.progress?.nextPollAt;
      if (nextPollAt === undefined) throw new Error(`no nextPollAt stored for ${taskId}`);
      due.set(taskId, nextPollAt);
      lastPriority.push(await stepper.connection.hget(stepper.queue.toKey(taskId), 'priority'));
    } else if (outcome.kind === 'completed') {
      due.delete(taskId);
      const record = await stepper.records.read(taskId);
      if (!record) throw new Error(`no record for ${taskId}`);
      results.set(taskId, record.body.polls);
    } else {
      throw outcome.error;
    }
  }
  return { polls: order.map((id) => results.get(id) ?? Number.NaN), lastPriority, learner, stepper };
}

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

describe('adaptive polling wired into the poll processor (virtual time, seeded workload, real Redis)', () => {
  test('learns from the first tasks, then polls the same tasks fewer times than the exponential back-off', async ({ redis }) => {
    const tasks = 70;
    const exponential = await runStrategy({ url: redis.url, prefix: `${redis.prefix}-exp` }, 'exponential', { tasks, everyMs: 700 });
    const adaptive = await runStrategy({ url: redis.url, prefix: `${redis.prefix}-ada` }, 'adaptive', { tasks, everyMs: 700 });
    // Before anything is learned both are the exponential back-off, poll for poll (same times, same jitter).
    expect(adaptive.polls.slice(0, 5)).toEqual(exponential.polls.slice(0, 5));
    const late = (run: Run) => mean(run.polls.slice(30));
    expect(late(exponential)).toBeGreaterThan(2.5);
    expect(late(adaptive)).toBeLessThan(0.75 * late(exponential));
    // Without a rate cap no priority is written (it would cost BullMQ commands for nothing).
    expect(new Set(adaptive.lastPriority)).toEqual(new Set(['0'])); // BullMQ's own, as added
    // What it learned is in Redis, under the poll queue's prefix.
    await adaptive.learner?.flush();
    const shared = await adaptive.stepper.connection.hgetall(learnKeys(`${redis.prefix}-ada`).shared);
    expect(Object.keys(shared).filter((field) => field.startsWith('b')).length).toBeGreaterThan(5);
    // Every task counted once in polls per task and (found done by a GET) in the detection-lag bound, either way.
    for (const run of [exponential, adaptive]) {
      const text = await run.stepper.metrics.registry.metrics();
      expect(text).toContain(`regionwatch_polls_per_task_count ${tasks}`);
      expect(text).toContain(`regionwatch_polls_per_task_sum ${run.polls.reduce((sum, p) => sum + p, 0)}`);
      expect(text).toContain(`regionwatch_detection_lag_seconds_count ${tasks}`);
    }
    // Exponential learns nothing.
    expect(await exponential.stepper.connection.exists(learnKeys(`${redis.prefix}-exp`).shared)).toBe(0);
  }, 120_000);

  test('with priorities on, learned re-delays write an aging BullMQ priority: 1 + k / 2^32, k in 0 … the aging bound', async ({
    redis,
  }) => {
    const run = await runStrategy(redis, 'adaptive', { tasks: 40, everyMs: 700, priorities: true });
    // '0' (BullMQ's, as added) until the learner has enough to plan with.
    const written = run.lastPriority.filter((p) => p !== '0').map(Number);
    expect(written.length).toBeGreaterThan(10);
    // ASPOSE_MAX_RPS 10 × POLL_LAG_PER_POLL_MS 2.5 s: at most 25 promotions behind likelier polls.
    const bound = agingPromotionsFor(10, 2_500);
    expect(bound).toBe(25);
    const offsets = written.map((p) => (p - 1) * PROMOTION_COUNTER_SPAN);
    for (const k of offsets) {
      expect(Number.isInteger(k)).toBe(true);
      expect(k).toBeGreaterThanOrEqual(0);
      expect(k).toBeLessThanOrEqual(bound);
    }
    // The odds differ from poll to poll: the priorities are not one constant.
    expect(new Set(offsets).size).toBeGreaterThan(3);
    expect(Math.max(...offsets)).toBeGreaterThan(agingPromotionsFor(10 / 5, 2_500));
  }, 120_000);

  test('with POLL_SHARDS queues the aging bound is in promotions of one queue: each is promoted at its share of the cap', async ({
    redis,
  }) => {
    const run = await runStrategy(redis, 'adaptive', { tasks: 40, everyMs: 700, priorities: true, shards: 5 });
    const offsets = run.lastPriority.filter((p) => p !== '0').map((p) => (Number(p) - 1) * PROMOTION_COUNTER_SPAN);
    expect(offsets.length).toBeGreaterThan(10);
    // ASPOSE_MAX_RPS 10 over 5 shards: 2 promotions a second in each queue × 2.5 s = 5.
    expect(Math.max(...offsets)).toBeGreaterThan(0);
    for (const k of offsets) expect(k).toBeLessThanOrEqual(5);
  }, 120_000);
});

describe('BullMQ promotion by the priority written at re-delay (this BullMQ version, real Redis)', () => {
  test('due polls are taken likeliest-done first, and a new task (priority 0) is not starved', async ({ redis }) => {
    const manual = manualFetcher(redis);
    closers.push(() => manual.close());
    const { queue, fetcher } = manual;
    const reschedule = rescheduleJobIn(queue);
    const priorities: Record<string, number> = { unlikely: 900, likely: 10, even: 500 };
    for (const taskId of Object.keys(priorities)) await queue.add(JOB_NAMES.poll, { taskId }, { jobId: taskId });
    // Each taken (as a replica does) and re-delayed with its priority, due at once.
    for (let i = 0; i < 3; i++) {
      const job = await fetcher.getNextJob(`t${i}`, { block: false });
      if (!job?.id) throw new Error('no job to take');
      const ok = await reschedule(job, `t${i}`, Date.now() - 1_000, 0, { polls: 1, transientErrors: 0, history: [] }, priorities[job.id]);
      expect(ok).toBe(true);
    }
    // A task tracked meanwhile: the producer adds it without priority.
    await queue.add(JOB_NAMES.poll, { taskId: 'new' }, { jobId: 'new' });
    const taken: string[] = [];
    for (let i = 0; i < 4; i++) taken.push(String((await fetcher.getNextJob(`u${i}`, { block: false }))?.id));
    expect(taken).toEqual(['new', 'likely', 'even', 'unlikely']);
  });
});

describe('the worker replica', () => {
  test('serves the learned quantiles per kind on /metrics once enough is learned', async ({ redis }) => {
    const harness = await createHarness(redis, { env: { POLL_STRATEGY: 'adaptive', POLL_LEARN_MIN_SAMPLES: '2' } });
    closers.push(() => harness.close());
    const worker = await harness.startWorker();
    const ids = Array.from({ length: 4 }, () =>
      harness.simulator.createTask({ outcome: { status: 'Completed', rectangles: [[[0, 0, 1, 1]]] } }),
    );
    await harness.producer.trackMany(ids.map((taskId) => ({ taskId, kind: 'invoice-scan' })));
    for (const id of ids) await harness.result(id);
    // Sent by the replica's flush (at most a second later), read from Redis at scrape time.
    // Every kind's line may come at a different scrape (the shared estimate can lag the kind's): wait for all six.
    const lines = ['_shared', 'invoice-scan'].flatMap((kind) =>
      ['0.5', '0.9', '0.99'].map(
        (quantile) => new RegExp(`regionwatch_learned_completion_seconds\\{kind="${kind}",quantile="${quantile}"[^}]*\\} [0-9.e-]+`),
      ),
    );
    const text = await harness.waitFor('learned quantiles on /metrics', async () => {
      const scraped = await worker.metrics.registry.metrics();
      return lines.every((line) => line.test(scraped)) ? scraped : undefined;
    });
    for (const line of lines) expect(text).toMatch(line);
  }, 60_000);

  test('sends what it learned to Redis when it closes', async ({ redis }) => {
    const harness = await createHarness(redis, { env: { POLL_STRATEGY: 'adaptive' } });
    closers.push(() => harness.close());
    // Nothing goes out on the timer or inline during the test (flush every hour): only close() can send it.
    const worker = await startWorker({
      config: harness.config,
      logger: createLogger({ level: 'silent' }),
      defaultMetrics: false,
      learnerFlushMs: 3_600_000,
    });
    closers.push(() => worker.close(5_000));
    const ids = Array.from({ length: 3 }, () =>
      harness.simulator.createTask({ outcome: { status: 'Completed', rectangles: [[[0, 0, 1, 1]]] } }),
    );
    await harness.producer.trackMany(ids);
    for (const id of ids) await harness.result(id);
    const shared = learnKeys(redis.prefix).shared;
    const before = await harness.connection.exists(shared);
    await worker.close();
    expect({ before, after: await harness.connection.exists(shared) }).toEqual({ before: 0, after: 1 });
  }, 60_000);
});
