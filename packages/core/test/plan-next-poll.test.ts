import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BUCKET_COUNT,
  bucketHigh,
  bucketOf,
  CompletionEstimate,
  nextPollDelay,
  planNextPoll,
  PRIORITY_LEVELS,
  UNKNOWN_PRIORITY,
  type PlanConfig,
  type PlanInput,
} from '../src/index.js';

const config: PlanConfig = {
  POLL_INITIAL_DELAY_MS: 1_000,
  POLL_MAX_DELAY_MS: 30_000,
  TASK_DEADLINE_MS: 86_400_000,
  POLL_STRATEGY: 'adaptive',
  POLL_LAG_PER_POLL_MS: 2_500,
};
const T0 = 1_700_000_000_000;
const mid = () => 0.5;

/** An estimate with `weight` at each time (bucket resolution), as if learned from 1 000 tasks. */
function estimateOf(points: [ms: number, weight: number][], samples = 1_000): CompletionEstimate {
  const masses = new Float64Array(BUCKET_COUNT);
  for (const [ms, w] of points) masses[bucketOf(ms)] = (masses[bucketOf(ms)] ?? 0) + w;
  return new CompletionEstimate(masses, samples, 'shared');
}
/** Roughly log-normal, median 3 s. */
const learned = estimateOf([
  [700, 3],
  [1_500, 10],
  [2_200, 15],
  [3_000, 22],
  [4_000, 18],
  [6_000, 15],
  [9_000, 10],
  [15_000, 5],
  [25_000, 2],
]);

const input = (overrides: Partial<PlanInput> = {}): PlanInput => ({
  config,
  submittedAt: T0,
  polls: 0,
  now: T0,
  random: mid,
  ...overrides,
});

describe('planNextPoll', () => {
  it('polls once, just after the tasks finish, when they all finish at the same time', () => {
    const plan = planNextPoll(input({ estimate: estimateOf([[5_000, 1]]) }));
    expect(plan.basis).toBe('learned');
    expect(plan.at - T0).toBeGreaterThanOrEqual(5_000);
    expect(plan.at - T0).toBeLessThanOrEqual(bucketHigh(bucketOf(5_000)) * 1.03); // the bucket's end (grid: ~1-2 % apart)
    expect(plan.hitProbability).toBeGreaterThan(0.99);
    expect(plan.priority).toBe(1 + Math.round((1 - (plan.hitProbability ?? 0)) * (PRIORITY_LEVELS - 1)));
  });

  it('keeps its resolution where tasks finish, whatever a straggler or an unfinished task does to the tail', () => {
    const masses = new Float64Array(BUCKET_COUNT);
    masses[bucketOf(5_000)] = 0.99;
    masses[bucketOf(1_200_000)] = 0.005; // one task in 200 took 20 minutes
    masses[BUCKET_COUNT - 1] = 0.005; // and one is still pending past everything seen
    const plan = planNextPoll(input({ estimate: new CompletionEstimate(masses, 1_000, 'shared') }));
    expect(plan.at - T0).toBeGreaterThanOrEqual(5_000);
    expect(plan.at - T0).toBeLessThanOrEqual(bucketHigh(bucketOf(5_000)) * 1.03);
  });

  it('trades polls for lag at the POLL_LAG_PER_POLL_MS exchange rate', () => {
    // Half the tasks finish at ~2 s, half at ~20 s. A second poll at 2 s saves the early half ~18 s
    // of lag: worth it when a poll costs 2.5 s of lag, not when it costs a minute.
    const twoPoints = estimateOf([
      [2_000, 1],
      [20_000, 1],
    ]);
    const cheap = planNextPoll(input({ estimate: twoPoints }));
    expect(cheap.at - T0).toBeGreaterThanOrEqual(2_000);
    expect(cheap.at - T0).toBeLessThan(2_500);
    const dear = planNextPoll(input({ estimate: twoPoints, config: { ...config, POLL_LAG_PER_POLL_MS: 60_000 } }));
    expect(dear.at - T0).toBeGreaterThanOrEqual(20_000);
    expect(dear.at - T0).toBeLessThan(25_000);
    // After the early poll said "not yet", it waits for the late group instead of polling the lull.
    const second = planNextPoll(input({ estimate: twoPoints, polls: 1, lastPollAt: cheap.at, now: cheap.at }));
    expect(second.at - T0).toBeGreaterThanOrEqual(20_000);
    expect(second.at - T0).toBeLessThan(25_000);
  });

  it('polls sooner and more often for a lower POLL_LAG_PER_POLL_MS', () => {
    const schedule = (lagPerPollMs: number) => {
      const ages: number[] = [];
      let lastPollAt: number | undefined;
      for (let polls = 0; polls < 12; polls++) {
        const cfg = { ...config, POLL_LAG_PER_POLL_MS: lagPerPollMs };
        const plan = planNextPoll(input({ estimate: learned, config: cfg, polls, lastPollAt, now: lastPollAt ?? T0 }));
        if (plan.at - T0 > 30_000) break;
        ages.push(plan.at - T0);
        lastPollAt = plan.at;
      }
      return ages;
    };
    const eager = schedule(300);
    const default_ = schedule(2_500);
    const frugal = schedule(20_000);
    expect(eager.length).toBeGreaterThan(default_.length);
    expect(default_.length).toBeGreaterThan(frugal.length);
    expect(eager[0]).toBeLessThan(default_[0] ?? 0);
    expect(default_[0]).toBeLessThan(frugal[0] ?? 0);
    expect(default_[0]).toBeGreaterThan(2_000); // not before completions become likely
  });

  it('is more urgent (lower BullMQ priority number) for polls more likely to find the task done', () => {
    const sure = planNextPoll(input({ estimate: learned, config: { ...config, POLL_LAG_PER_POLL_MS: 20_000 } }));
    const unlikely = planNextPoll(input({ estimate: learned, config: { ...config, POLL_LAG_PER_POLL_MS: 300 } }));
    expect(sure.hitProbability).toBeGreaterThan(unlikely.hitProbability ?? 1);
    expect(sure.priority).toBeLessThan(unlikely.priority);
    expect(sure.priority).toBeGreaterThanOrEqual(1);
    expect(unlikely.priority).toBeLessThanOrEqual(PRIORITY_LEVELS);
    expect(planNextPoll(input()).priority).toBe(UNKNOWN_PRIORITY); // no estimate: even odds
  });

  it('falls back to the exponential back-off without a usable estimate, or with POLL_STRATEGY=exponential', () => {
    const exponential = { ...config, POLL_STRATEGY: 'exponential' as const };
    for (const [estimate, cfg] of [
      [undefined, config],
      [CompletionEstimate.none(), config],
      [learned, exponential],
    ] as const) {
      let at = planNextPoll(input({ estimate, config: cfg })).at;
      expect(at - T0).toBe(1_100); // POLL_INITIAL_DELAY_MS, jitter drawn inside [1 000, 1 200]
      const gaps: number[] = [];
      for (let polls = 1; polls <= 7; polls++) {
        const plan = planNextPoll(input({ estimate, config: cfg, polls, lastPollAt: at, now: at }));
        expect(plan.basis).toBe('exponential');
        gaps.push(plan.at - at);
        at = plan.at;
      }
      expect(gaps).toEqual([1_100, 2_000, 4_000, 8_000, 16_000, 27_000, 27_000]); // the cap: inside [24 000, 30 000]
    }
  });

  it('past everything learned, doubles the task age', () => {
    const beyond = planNextPoll(input({ estimate: learned, polls: 9, lastPollAt: T0 + 200_000, now: T0 + 200_000 }));
    expect(beyond.basis).toBe('beyond-learned');
    expect(beyond.at - (T0 + 200_000)).toBe(27_000); // the age (200 s) clamped to the cap, jittered inside it
    const young = planNextPoll(input({ estimate: estimateOf([[1_000, 1]]), polls: 1, lastPollAt: T0 + 5_000, now: T0 + 5_000 }));
    expect(young.basis).toBe('beyond-learned');
    expect(young.at - (T0 + 5_000)).toBe(5_000);
  });

  it('keeps every gap inside [POLL_INITIAL_DELAY_MS, POLL_MAX_DELAY_MS], jitter included, with no pile-up on a bound', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(undefined, learned, estimateOf([[400, 1]]), estimateOf([[600_000, 1]])),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 3_600_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 5_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        (estimate, polls, age, r, min, extra) => {
          const cfg = { ...config, POLL_INITIAL_DELAY_MS: min, POLL_MAX_DELAY_MS: min + extra };
          const lastPollAt = polls === 0 ? undefined : T0 + age;
          const now = lastPollAt ?? T0;
          const plan = planNextPoll(input({ estimate, polls, lastPollAt, now, config: cfg, random: () => r }));
          expect(Number.isInteger(plan.at)).toBe(true);
          expect(plan.at - now).toBeGreaterThanOrEqual(min);
          expect(plan.at - now).toBeLessThanOrEqual(min + extra + 1); // + rounding up to whole ms
          expect(plan.priority).toBeGreaterThanOrEqual(1);
          expect(plan.priority).toBeLessThanOrEqual(PRIORITY_LEVELS);
        },
      ),
    );
    // Jitter after clamping: no capped delay is exactly the cap (nor is one of nextPollDelay's since issue 9).
    let seed = 1;
    const random = () => ((seed = (seed * 16_807) % 2_147_483_647) - 1) / 2_147_483_646;
    const atCap = { plan: 0, today: 0 };
    for (let i = 0; i < 1_000; i++) {
      const plan = planNextPoll(input({ polls: 10, lastPollAt: T0, now: T0, random }));
      if (plan.at - T0 === 30_000) atCap.plan++;
      if (nextPollDelay(10, config, random) === 30_000) atCap.today++;
    }
    expect(atCap.plan).toBeLessThan(5);
    expect(atCap.today).toBeLessThan(5);
  });

  it('treats Retry-After as a lower bound, even past the cap, and never schedules past the deadline', () => {
    const plan = planNextPoll(input({ estimate: learned, polls: 1, lastPollAt: T0 + 1_000, now: T0 + 1_000, retryAfterMs: 120_000 }));
    expect(plan.at).toBe(T0 + 121_000);
    expect(plan.basis).toBe('retry-after');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 600_000 }), fc.integer({ min: 0, max: 10 }), (retryAfterMs, polls) => {
        const now = T0 + 5_000;
        const p = planNextPoll(input({ estimate: learned, polls, lastPollAt: polls ? now : undefined, now, retryAfterMs }));
        expect(p.at).toBeGreaterThanOrEqual(now + retryAfterMs);
      }),
    );
    const short = { ...config, TASK_DEADLINE_MS: 10_000 };
    const last = planNextPoll(input({ estimate: learned, config: short, polls: 3, lastPollAt: T0 + 9_000, now: T0 + 9_000 }));
    expect(last).toMatchObject({ at: T0 + 10_000, priority: 1, basis: 'deadline' }); // the deciding run goes first
    const late = planNextPoll(input({ config: short, polls: 3, lastPollAt: T0 + 11_000, now: T0 + 11_000, retryAfterMs: 60_000 }));
    expect(late.at).toBe(T0 + 11_000); // past the deadline: the deciding run is due now
  });

  it('polls a task tracked long after submission no sooner than POLL_INITIAL_DELAY_MS after tracking', () => {
    const trackedAt = T0 + 60_000;
    const plan = planNextPoll(input({ estimate: learned, trackedAt, now: trackedAt }));
    expect(plan.at - trackedAt).toBe(1_100);
  });
});
