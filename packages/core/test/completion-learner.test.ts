import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  BUCKET_COUNT,
  CompletionEstimate,
  CompletionLearner,
  createCompletionLearner,
  createMemoryCompletionLearner,
  learnKeys,
  MemoryLearnStore,
  RedisLearnStore,
  spreadObservation,
  type CompletionObservation,
  type DecaySettings,
  type LearnStore,
} from '../src/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/** mulberry32: a seeded [0, 1) source, so every run sees the same tasks. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Log-normal completion times: median 3 s, p99 20 s (σ = ln(20/3) / 2.326). */
const SIGMA = Math.log(20 / 3) / 2.3263;
function lognormal(random: () => number, median = 3_000): number {
  const u = 1 - random();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  return median * Math.exp(SIGMA * z);
}
/** The true quantile of that distribution (z-values of the normal). */
const Z = { 0.5: 0, 0.9: 1.2816, 0.99: 2.3263 } as const;
const truth = (q: keyof typeof Z, median = 3_000) => median * Math.exp(SIGMA * Z[q]);

/** What the worker sees under today's back-off (1, 2, 4 … s, ±20 %): the interval the task finished in. */
function observeUnderBackoff(completionMs: number, random: () => number): CompletionObservation & { terminalPollMs: number } {
  let previous = 0;
  let at = 1_000;
  let gap = 1_000;
  while (at < completionMs) {
    previous = at;
    at += gap * (0.8 + 0.4 * random());
    gap = Math.min(gap * 2, 30_000);
  }
  return { afterMs: previous, atMostMs: at, terminalPollMs: at };
}

const settings: DecaySettings = { halfLifeCompletions: 200, halfLifeMs: 6 * 3_600_000, maxKinds: 100, kindIdleMs: 7 * 86_400_000 };

describe('CompletionLearner (in memory)', () => {
  it('learns Aspose from interval-censored observations, not the schedule that observed them', async () => {
    let now = 1_700_000_000_000;
    const learner = createMemoryCompletionLearner({ halfLifeCompletions: 100_000, refreshMs: 0, now: () => now });
    const random = seeded(7);
    const terminalTimes: number[] = [];
    for (let i = 0; i < 3_000; i++) {
      const seen = observeUnderBackoff(lognormal(random), random);
      terminalTimes.push(seen.terminalPollMs);
      await learner.observe(undefined, seen);
      now += 100;
    }
    const estimate = await learner.estimate();
    expect(estimate.source).toBe('shared');
    // p99 rests on ~30 tasks seen through 16-30 s gaps: a looser bound there.
    for (const [q, tolerance] of [
      [0.5, 0.1],
      [0.9, 0.1],
      [0.99, 0.2],
    ] as const) {
      expect(Math.abs(estimate.quantile(q) / truth(q) - 1), `quantile ${q}`).toBeLessThan(tolerance);
    }
    // What taking the terminal poll's time as the completion time would have learned: the schedule.
    terminalTimes.sort((a, b) => a - b);
    const naiveMedian = terminalTimes[terminalTimes.length / 2] ?? 0;
    expect(naiveMedian / truth(0.5) - 1).toBeGreaterThan(0.25);
  });

  it('falls back to nothing below POLL_LEARN_MIN_SAMPLES, then to the shared estimate; a kind blends its own with it', async () => {
    // Counts are decayed (an observation a half-life ago counts ½): a long half-life keeps them ≈ whole here.
    const now = 0;
    const learner = createMemoryCompletionLearner({ minSamples: 20, halfLifeCompletions: 1e6, refreshMs: 0, now: () => now });
    for (let i = 0; i < 19; i++) await learner.observe(undefined, { afterMs: 900, atMostMs: 1_100 });
    expect((await learner.estimate()).source).toBe('none');
    expect((await learner.estimate('scan')).source).toBe('none');
    await learner.observe(undefined, { afterMs: 900, atMostMs: 1_100 });
    await learner.observe(undefined, { afterMs: 900, atMostMs: 1_100 });
    expect((await learner.estimate()).source).toBe('shared');
    expect((await learner.estimate('scan')).source).toBe('shared'); // a kind with no data of its own
    for (let i = 0; i < 20; i++) expect(await learner.observe('scan', { afterMs: 7_900, atMostMs: 8_100 })).toBe('kind');
    const scan = await learner.estimate('scan');
    expect(scan.source).toBe('kind');
    // ~20 of its own at 8 s against the shared prior worth 20 (itself 20 at 1 s + 20 at 8 s): ≈ ¾ at 8 s.
    expect(scan.cdf(2_000)).toBeGreaterThan(0.2);
    expect(scan.cdf(2_000)).toBeLessThan(0.3);
    expect((await learner.estimate('other')).cdf(2_000)).toBeGreaterThan(0.45); // other kinds: the shared estimate
    expect((await learner.estimate('not a kind!')).source).toBe('shared');
  });

  it('learns at most maxKinds kinds separately; observations of the rest go to the shared estimate only', async () => {
    const learner = createMemoryCompletionLearner({ maxKinds: 2, refreshMs: 0, now: () => 0 });
    const seen = { afterMs: 1_000, atMostMs: 2_000 };
    expect(await learner.observe('a', seen)).toBe('kind');
    expect(await learner.observe('b', seen)).toBe('kind');
    expect(await learner.observe('c', seen)).toBe('shared');
    expect(await learner.observe('a', seen)).toBe('kind');
    expect(await learner.observe(undefined, seen)).toBe('shared');
    expect(await learner.observe(undefined, { afterMs: 2_000, atMostMs: 1_000 })).toBe('ignored');
  });

  it('follows a 3× slowdown within a few hundred completions (half-life 100 completions)', async () => {
    let now = 0;
    const learner = createMemoryCompletionLearner({ halfLifeCompletions: 100, refreshMs: 1_000, now: () => now });
    const random = seeded(11);
    for (let i = 0; i < 1_500; i++) {
      await learner.observe(undefined, observeUnderBackoff(lognormal(random), random));
      now += 100;
    }
    expect(Math.abs((await learner.estimate()).quantile(0.5) / truth(0.5) - 1)).toBeLessThan(0.15);
    let followedAfter: number | undefined;
    for (let i = 1; i <= 1_000 && followedAfter === undefined; i++) {
      await learner.observe(undefined, observeUnderBackoff(lognormal(random, 9_000), random));
      now += 100;
      if (Math.abs((await learner.estimate()).quantile(0.5) / truth(0.5, 9_000) - 1) < 0.15) followedAfter = i;
    }
    expect(followedAfter).toBeDefined();
    // The old mass must fall below ~17 % of the total for the mixture's median to be within 15 % of
    // the new one: 100 × log2(1 / 0.17) ≈ 250 completions.
    expect(followedAfter).toBeLessThan(400);
    expect(followedAfter).toBeGreaterThan(150); // a half-life, not a reset: a few slow tasks move little
  });

  it('reads the store at most once per refreshMs per kind, sharing a read between concurrent callers', async () => {
    let now = 0;
    const store = new MemoryLearnStore(settings);
    let reads = 0;
    const counting: LearnStore = {
      settings,
      record: (input) => store.record(input),
      kinds: (at) => store.kinds(at),
      read: (kind, at) => {
        reads++;
        return store.read(kind, at);
      },
    };
    const learner = new CompletionLearner(counting, { minSamples: 0.5, refreshMs: 5_000, now: () => now });
    await Promise.all([learner.estimate('k'), learner.estimate('k'), learner.estimate('k')]);
    expect(reads).toBe(1);
    await learner.observe('k', { afterMs: 1_000, atMostMs: 2_000 });
    expect((await learner.estimate('k')).source).toBe('none'); // cached: the observation is not seen yet
    now += 4_999;
    expect((await learner.estimate('k')).source).toBe('none');
    expect(reads).toBe(1);
    now += 1;
    expect((await learner.estimate('k')).source).toBe('kind');
    expect(reads).toBe(2);
  });

  it('forgets after the time half-life too: yesterday weighs 1/16 at a 6 h half-life', async () => {
    let now = 0;
    const learner = createMemoryCompletionLearner({ minSamples: 1, refreshMs: 0, now: () => now });
    for (let i = 0; i < 100; i++) await learner.observe(undefined, { afterMs: 1_000, atMostMs: 1_100 });
    const before = (await learner.estimate()).samples;
    now += 24 * 3_600_000;
    const after = (await learner.estimate()).samples;
    expect(after / before).toBeCloseTo(1 / 16, 6);
  });
});

describe('RedisLearnStore', () => {
  const redis = new Redis(inject('redisUrl'));
  afterAll(() => redis.disconnect());
  const fresh = () => `rwtest-learn-${randomUUID().slice(0, 8)}`;

  it('computes exactly what the in-memory store computes (forward decay, rescaling, time decay, kinds)', async () => {
    // A half-life of 1 completion makes the exponent pass the rescale threshold every 33 observations.
    const quick: DecaySettings = { halfLifeCompletions: 1.5, halfLifeMs: 60_000, maxKinds: 3, kindIdleMs: 3_600_000 };
    const inRedis = new RedisLearnStore(redis, fresh(), quick);
    const inMemory = new MemoryLearnStore(quick);
    const random = seeded(3);
    let now = 1_700_000_000_000;
    for (let i = 0; i < 120; i++) {
      const kind = ['a', 'b', 'c', 'd', undefined][i % 5];
      const increments = spreadObservation(observeUnderBackoff(lognormal(random), random), CompletionEstimate.none());
      const input = { kind, kindIncrements: increments, sharedIncrements: increments, now };
      const [r, m] = await Promise.all([inRedis.record(input), inMemory.record(input)]);
      expect(r).toEqual(m);
      now += Math.round(random() * 2_000);
    }
    for (const kind of ['a', 'b', 'c', 'd', undefined]) {
      const [r, m] = await Promise.all([inRedis.read(kind, now + 500), inMemory.read(kind, now + 500)]);
      expect(r.shared.total).toBeGreaterThan(0);
      expect(r.shared.total).toBeCloseTo(m.shared.total, 9);
      expect(r.kind?.total ?? 0).toBeCloseTo(m.kind?.total ?? 0, 9);
      for (let k = 0; k < BUCKET_COUNT; k++) {
        expect(r.shared.masses[k]).toBeCloseTo(m.shared.masses[k] ?? 0, 9);
        expect(r.kind?.masses[k] ?? 0).toBeCloseTo(m.kind?.masses[k] ?? 0, 9);
      }
    }
    expect(await inRedis.kinds(now)).toEqual(await inMemory.kinds(now));
    expect((await inRedis.kinds(now)).length).toBe(3); // 'd' never got a slot
  });

  it('keeps bounded keys under <prefix>:regions-poll:learn:, each expiring when idle, and is shared by replicas', async () => {
    const prefix = fresh();
    let now = 1_700_000_000_000;
    const options = { maxKinds: 2, minSamples: 5, refreshMs: 0, now: () => now };
    const replicaA = createCompletionLearner(redis, prefix, options);
    const replicaB = createCompletionLearner(new Redis(inject('redisUrl')), prefix, options);
    try {
      for (let i = 0; i < 10; i++) {
        await replicaA.observe('invoice-scan', { afterMs: 2_000, atMostMs: 3_000 });
        await replicaB.observe(i % 2 ? 'receipt' : 'passport', { afterMs: 4_000, atMostMs: 5_000 });
        now += 10;
      }
      const keys = learnKeys(prefix);
      const stored = (await redis.keys(`${prefix}:*`)).sort();
      expect(stored).toEqual([keys.kind('invoice-scan'), keys.kind('passport'), keys.shared, keys.index].sort());
      expect(keys.shared).toBe(`${prefix}:regions-poll:learn:_shared`);
      for (const key of stored) expect(await redis.pttl(key)).toBeGreaterThan(6 * 86_400_000);
      expect(await redis.hlen(keys.kind('invoice-scan'))).toBeLessThanOrEqual(BUCKET_COUNT + 2);
      // Replica A sees what replica B learned, and the other way round.
      const passport = await replicaA.estimate('passport');
      expect(passport.source).toBe('kind');
      expect(passport.quantile(0.5)).toBeGreaterThan(4_000);
      expect((await replicaB.estimate('invoice-scan')).quantile(0.5)).toBeLessThan(3_000);
      const rows = await replicaB.learnedQuantiles([0.5]);
      expect(rows.map((r) => r.kind).sort()).toEqual(['_shared', 'invoice-scan', 'passport']);
      expect(rows.every((r) => r.seconds > 1 && r.seconds < 6)).toBe(true);
    } finally {
      await redis.del(...(await redis.keys(`${prefix}:*`)));
    }
  });
});
