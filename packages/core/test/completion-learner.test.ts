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
  completionsIn,
  finishedIncrements,
  pendingIncrements,
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

/** What the worker sees under today's back-off (1, 2, 4 … s, ±20 %): its "not yet" ages and the terminal one. */
function pollsUnderBackoff(completionMs: number, random: () => number): { notYet: number[]; terminal: number } {
  const notYet: number[] = [];
  let at = 1_000;
  let gap = 1_000;
  while (at < completionMs) {
    notYet.push(at);
    at += gap * (0.8 + 0.4 * random());
    gap = Math.min(gap * 2, 30_000);
  }
  return { notYet, terminal: at };
}

/** Feeds one task to the learner as the poll processor will: every "not yet", then the finish. */
async function feed(learner: CompletionLearner, kind: string | undefined, seen: { notYet: number[]; terminal: number }): Promise<void> {
  let previous = 0;
  for (const age of seen.notYet) {
    await learner.pending(kind, { fromMs: previous, toMs: age });
    previous = age;
  }
  await learner.observe(kind, { afterMs: previous, atMostMs: seen.terminal });
}

const settings: DecaySettings = { halfLifeCompletions: 200, halfLifeMs: 6 * 3_600_000, maxKinds: 100, kindIdleMs: 7 * 86_400_000 };

describe('CompletionLearner (in memory)', () => {
  it('learns Aspose from interval-censored observations, not the schedule that observed them', async () => {
    let now = 1_700_000_000_000;
    const learner = createMemoryCompletionLearner({ halfLifeCompletions: 100_000, refreshMs: 0, flushMs: 0, now: () => now });
    const random = seeded(7);
    const terminalTimes: number[] = [];
    for (let i = 0; i < 3_000; i++) {
      const seen = pollsUnderBackoff(lognormal(random), random);
      terminalTimes.push(seen.terminal);
      await feed(learner, undefined, seen);
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
    // Counts are decayed (a completion a half-life ago counts ½): a long half-life keeps them ≈ whole here.
    const now = 0;
    const learner = createMemoryCompletionLearner({ minSamples: 20, halfLifeCompletions: 1e6, refreshMs: 0, flushMs: 0, now: () => now });
    for (let i = 0; i < 19; i++) await learner.observe(undefined, { afterMs: 900, atMostMs: 1_100 });
    expect((await learner.estimate()).source).toBe('none');
    expect((await learner.estimate('scan')).source).toBe('none');
    await learner.observe(undefined, { afterMs: 900, atMostMs: 1_100 });
    await learner.observe(undefined, { afterMs: 900, atMostMs: 1_100 });
    expect((await learner.estimate()).source).toBe('shared');
    expect((await learner.estimate('scan')).source).toBe('shared'); // a kind with no data of its own
    for (let i = 0; i < 20; i++) {
      await learner.pending('scan', { fromMs: 0, toMs: 7_900 });
      await learner.observe('scan', { afterMs: 7_900, atMostMs: 8_100 });
    }
    const scan = await learner.estimate('scan');
    expect(scan.source).toBe('kind');
    // ~20 of its own at 8 s against the shared prior worth 20 (itself 21 at 1 s + 20 at 8 s): ≈ ¾ at 8 s.
    expect(scan.cdf(2_000)).toBeGreaterThan(0.2);
    expect(scan.cdf(2_000)).toBeLessThan(0.3);
    expect((await learner.estimate('other')).cdf(2_000)).toBeGreaterThan(0.45); // other kinds: the shared estimate
    expect((await learner.estimate('not a kind!')).source).toBe('shared');
    expect(await learner.observe(undefined, { afterMs: 2_000, atMostMs: 1_000 })).toBe('ignored');
  });

  it('learns at most maxKinds kinds separately; observations of the rest go to the shared estimate only', async () => {
    const learner = createMemoryCompletionLearner({ maxKinds: 2, minSamples: 1, refreshMs: 0, flushMs: 0, now: () => 0 });
    for (const [kind, ms] of [
      ['a', 1_000],
      ['b', 2_000],
      ['c', 30_000],
    ] as const) {
      for (let i = 0; i < 5; i++) expect(await learner.observe(kind, { afterMs: ms - 100, atMostMs: ms })).toBe('recorded');
    }
    expect((await learner.estimate('a')).source).toBe('kind');
    expect((await learner.estimate('b')).source).toBe('kind');
    expect((await learner.estimate('c')).source).toBe('shared');
    expect((await learner.estimate('c')).quantile(0.9)).toBeGreaterThan(10_000); // c's tasks are in the shared one
  });

  it('follows a 3× slowdown within a few hundred completions (half-life 100 completions)', async () => {
    let now = 0;
    const learner = createMemoryCompletionLearner({ halfLifeCompletions: 100, refreshMs: 1_000, flushMs: 1_000, now: () => now });
    const random = seeded(11);
    for (let i = 0; i < 1_500; i++) {
      await feed(learner, undefined, pollsUnderBackoff(lognormal(random), random));
      now += 100;
    }
    expect(Math.abs((await learner.estimate()).quantile(0.5) / truth(0.5) - 1)).toBeLessThan(0.15);
    let followedAfter: number | undefined;
    for (let i = 1; i <= 1_000 && followedAfter === undefined; i++) {
      await feed(learner, undefined, pollsUnderBackoff(lognormal(random, 9_000), random));
      now += 100;
      if (Math.abs((await learner.estimate()).quantile(0.5) / truth(0.5, 9_000) - 1) < 0.15) followedAfter = i;
    }
    // The old mass must fall below ~17 % of the total for the mixture's median to be within 15 % of
    // the new one: 100 × log2(1 / 0.17) ≈ 250 completions.
    expect(followedAfter).toBeDefined();
    expect(followedAfter).toBeLessThan(400);
    expect(followedAfter).toBeGreaterThan(100); // a half-life, not a reset: a few slow tasks move little
  });

  it('reads the store at most once per refreshMs per kind (concurrent callers share a read), writes once per flushMs', async () => {
    let now = 0;
    const store = new MemoryLearnStore(settings);
    let reads = 0;
    let writes = 0;
    const counting: LearnStore = {
      settings,
      record: (input) => {
        writes++;
        return store.record(input);
      },
      kinds: (at) => store.kinds(at),
      read: (kind, at) => {
        reads++;
        return store.read(kind, at);
      },
    };
    const learner = new CompletionLearner(counting, { minSamples: 0.5, refreshMs: 5_000, flushMs: 1_000, now: () => now });
    await Promise.all([learner.estimate('k'), learner.estimate('k'), learner.estimate('k')]);
    expect(reads).toBe(1);
    for (let i = 0; i < 10; i++) await learner.observe('k', { afterMs: 1_000, atMostMs: 2_000 });
    expect(writes).toBe(0); // batched
    now += 1_000;
    await learner.pending('k', { fromMs: 0, toMs: 1_000 });
    expect(writes).toBe(1); // one batch for the kind (the script also adds it to the shared histogram)
    expect((await learner.estimate('k')).source).toBe('none'); // cached: the observations are not read yet
    now += 3_999;
    expect((await learner.estimate('k')).source).toBe('none');
    expect(reads).toBe(1);
    now += 1;
    expect((await learner.estimate('k')).source).toBe('kind');
    expect(reads).toBe(2);
    await learner.observe('k', { afterMs: 1_000, atMostMs: 2_000 });
    await learner.flush();
    expect(writes).toBe(2);
  });

  it('keeps a batch that Redis refused and sends it with the next flush', async () => {
    const store = new MemoryLearnStore(settings);
    let down = true;
    const flaky: LearnStore = {
      settings,
      record: (input) => (down ? Promise.reject(new Error('Connection is closed.')) : store.record(input)),
      kinds: (at) => store.kinds(at),
      read: (kind, at) => store.read(kind, at),
    };
    const learner = new CompletionLearner(flaky, { minSamples: 1, refreshMs: 0, flushMs: 60_000, now: () => 0 });
    for (let i = 0; i < 3; i++) await learner.observe(undefined, { afterMs: 1_000, atMostMs: 2_000 });
    await expect(learner.flush()).rejects.toThrow('Connection is closed.');
    down = false;
    await learner.observe(undefined, { afterMs: 1_000, atMostMs: 2_000 });
    await learner.flush();
    expect((await learner.estimate()).samples).toBeCloseTo(4, 9);
  });

  it('forgets after the time half-life too: yesterday weighs 1/16 at a 6 h half-life', async () => {
    let now = 0;
    const learner = createMemoryCompletionLearner({ minSamples: 1, refreshMs: 0, flushMs: 0, now: () => now });
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
    // A half-life of 1.5 completions makes the exponent pass the rescale threshold every few dozen batches.
    const quick: DecaySettings = { halfLifeCompletions: 1.5, halfLifeMs: 60_000, maxKinds: 3, kindIdleMs: 3_600_000 };
    const inRedis = new RedisLearnStore(redis, fresh(), quick);
    const inMemory = new MemoryLearnStore(quick);
    const random = seeded(3);
    let now = 1_700_000_000_000;
    for (let i = 0; i < 120; i++) {
      const kind = ['a', 'b', 'c', 'd', undefined][i % 5];
      const seen = pollsUnderBackoff(lognormal(random), random);
      const increments = [
        ...pendingIncrements({ fromMs: 0, toMs: seen.notYet.at(-1) ?? 0 }),
        ...finishedIncrements({ afterMs: seen.notYet.at(-1) ?? 0, atMostMs: seen.terminal }, CompletionEstimate.none()),
      ];
      const input = { kind, increments, completions: 1 + (i % 3), now };
      const [r, m] = await Promise.all([inRedis.record(input), inMemory.record(input)]);
      expect(r).toEqual(m);
      now += Math.round(random() * 2_000);
    }
    for (const kind of ['a', 'b', 'c', 'd', undefined]) {
      const [r, m] = await Promise.all([inRedis.read(kind, now + 500), inMemory.read(kind, now + 500)]);
      expect(completionsIn(r.shared)).toBeGreaterThan(0);
      for (const [got, want] of [
        [r.shared, m.shared],
        [r.kind, m.kind],
      ] as const) {
        for (let k = 0; k < BUCKET_COUNT; k++) {
          expect(got?.events[k] ?? 0).toBeCloseTo(want?.events[k] ?? 0, 9);
          expect(got?.exposure[k] ?? 0).toBeCloseTo(want?.exposure[k] ?? 0, 9);
        }
      }
    }
    expect(await inRedis.kinds(now)).toEqual(await inMemory.kinds(now));
    expect((await inRedis.kinds(now)).length).toBe(3); // 'd' never got a slot
  });

  it('keeps bounded keys under <prefix>:regions-poll:learn:, each expiring when idle, and is shared by replicas', async () => {
    const prefix = fresh();
    let now = 1_700_000_000_000;
    const options = { maxKinds: 2, minSamples: 5, refreshMs: 0, flushMs: 0, now: () => now };
    const replicaA = createCompletionLearner(redis, prefix, options);
    const replicaB = createCompletionLearner(new Redis(inject('redisUrl')), prefix, options);
    try {
      for (let i = 0; i < 10; i++) {
        await replicaA.pending('invoice-scan', { fromMs: 0, toMs: 2_000 });
        await replicaA.observe('invoice-scan', { afterMs: 2_000, atMostMs: 3_000 });
        await replicaB.pending(i % 2 ? 'receipt' : 'passport', { fromMs: 0, toMs: 4_000 });
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
