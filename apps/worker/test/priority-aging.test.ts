import { agedPriority, JOB_NAMES, PRIORITY_LEVELS, PROMOTION_COUNTER_SPAN } from '@regionwatch/core';
import { test } from '@regionwatch/testkit/vitest';
import { afterEach, describe, expect } from 'vitest';
import { manualFetcher } from './support/manual-fetcher.js';
import { rescheduleJobIn } from '../src/index.js';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const UNLIKELY = PRIORITY_LEVELS; // a poll sure not to find its task done
const LIKELY = 1; // sure to

/**
 * Real Redis, this BullMQ version, no clock: the aging is counted in promotions. Every job is taken (as a
 * replica takes a poll), then re-delayed with its priority through the worker's own lock-checked write,
 * due in the past in the order given; the next fetch promotes them all in that order (BullMQ promotes due
 * jobs earliest due first, one counter step each), and the order they are then taken in is returned.
 */
async function takenOrder(
  redis: { url: string; prefix: string },
  polls: readonly { id: string; level: number }[],
  agingPromotions: number,
  options: { freshTask?: boolean } = {},
): Promise<string[]> {
  const manual = manualFetcher(redis);
  closers.push(() => manual.close());
  const { queue, fetcher } = manual;
  for (const { id } of polls) await queue.add(JOB_NAMES.poll, { taskId: id }, { jobId: id });
  const byId = new Map(polls.map((p) => [p.id, p]));
  const taken = [];
  for (let i = 0; i < polls.length; i++) {
    const job = await fetcher.getNextJob(`t${i}`, { block: false });
    if (!job?.id) throw new Error('no job to take');
    taken.push({ job, token: `t${i}` });
  }
  const reschedule = rescheduleJobIn(queue);
  // Due 10 s ago, 1 ms apart in the order given: promoted in that order by the next fetch.
  const dueFrom = Date.now() - 10_000;
  for (const [i, { job, token }] of [...taken].sort((a, b) => order(a.job.id) - order(b.job.id)).entries()) {
    const level = byId.get(String(job.id))?.level ?? 0;
    const ok = await reschedule(
      job,
      token,
      dueFrom + i,
      0,
      { polls: 1, transientErrors: 0, history: [] },
      agedPriority(level, agingPromotions),
    );
    expect(ok).toBe(true);
  }
  if (options.freshTask) await queue.add(JOB_NAMES.poll, { taskId: 'fresh' }, { jobId: 'fresh' });
  const result: string[] = [];
  for (let i = 0; i < polls.length + (options.freshTask ? 1 : 0); i++)
    result.push(String((await fetcher.getNextJob(`u${i}`, { block: false }))?.id));
  expect(await fetcher.getNextJob('done', { block: false })).toBeUndefined();
  return result;

  function order(id: string | undefined): number {
    return polls.findIndex((p) => p.id === id);
  }
}

describe('agedPriority (the promotion priority written at each learned re-delay)', () => {
  test('is 1 plus the odds in units of BullMQ promotions: 0 for a sure poll, the whole bound for a hopeless one', ({ expect }) => {
    expect(agedPriority(LIKELY, 40)).toBe(1);
    expect((agedPriority(UNLIKELY, 40) - 1) * PROMOTION_COUNTER_SPAN).toBe(40);
    expect((agedPriority(500, 40) - 1) * PROMOTION_COUNTER_SPAN).toBe(20);
    // Exact through the text BullMQ's Lua reads back (String → tonumber) and its score (× 2^32).
    const written = Number(String(agedPriority(UNLIKELY, 123_457)));
    expect(written * PROMOTION_COUNTER_SPAN).toBe(PROMOTION_COUNTER_SPAN + 123_457);
  });
});

describe('priorities that age, on BullMQ promotion (real Redis)', () => {
  const polls = (likely: number) => [
    { id: 'old-unlikely', level: UNLIKELY },
    ...Array.from({ length: likely }, (_, i) => ({ id: `likely-${i + 1}`, level: LIKELY })),
  ];

  test('an old due poll is taken before newer likelier ones once more than the bound were promoted after it', async ({ redis }) => {
    // Bound 3 promotions: likely-1, -2 (promoted within it) go first; then the old one, before likely-4 and -5.
    const taken = await takenOrder(redis, polls(5), 3);
    const at = (id: string) => taken.indexOf(id);
    expect(at('old-unlikely')).toBeGreaterThan(at('likely-2'));
    expect(at('old-unlikely')).toBeLessThan(at('likely-4'));
    expect(at('old-unlikely')).toBeLessThan(at('likely-5'));
    expect(taken.slice(0, 2)).toEqual(['likely-1', 'likely-2']);
  });

  test('below the bound the order is by odds, likeliest first, FIFO within equal odds', async ({ redis }) => {
    const taken = await takenOrder(
      redis,
      [
        { id: 'old-unlikely', level: UNLIKELY },
        { id: 'even', level: 500 },
        { id: 'likely-1', level: LIKELY },
        { id: 'likely-2', level: LIKELY },
        { id: 'fairly-likely', level: 100 },
      ],
      1_000,
    );
    expect(taken).toEqual(['likely-1', 'likely-2', 'fairly-likely', 'even', 'old-unlikely']);
  });

  test('a new task (priority 0, the wait list) is taken before every aged poll', async ({ redis }) => {
    const taken = await takenOrder(redis, polls(3), 1, { freshTask: true });
    expect(taken[0]).toBe('fresh');
    expect(taken.indexOf('old-unlikely')).toBeLessThan(taken.indexOf('likely-2'));
  });
});
