import { randomUUID } from 'node:crypto';
import { JOB_NAMES, POLL_QUEUE } from '@regionwatch/core';
import { pollJobOptions, RegionTaskProducer } from '@regionwatch/producer';
import { Queue } from 'bullmq';
import type { BenchContext } from '../context.js';
import { commandCalls, diffCalls } from '../redis-stats.js';

export type EnqueueFigures = {
  ids: number;
  trackManyPerSecond: number;
  addBulkPerSecond: number;
  ratio: number;
  /** Timed runs of each, alternating (after one untimed warm-up of each); the rates are over all of them. */
  rounds?: number;
  /** Redis commands per id (as `INFO commandstats` counts them), and the commands trackMany makes beyond addBulk. */
  commandsPerId?: { trackMany: number; addBulk: number; beyond: { command: string; perId: number }[] };
};

const id = (run: string, i: number) => `${run}-0000-4000-8000-${String(i).padStart(12, '0')}`;

/** Timed runs of each method. Alternating them spreads the machine's changing load over both. */
const ROUNDS = 2;

type Timed = { seconds: number; calls: Map<string, number> };

/**
 * 5. `trackMany` of many ids against raw `Queue.addBulk` of the same jobs. Each runs once untimed first
 * (the process's first use of a code path pays for its JIT compilation: measured cold, whichever ran
 * first looked slower), then ROUNDS timed runs each, alternating, each on an empty Redis.
 */
export async function measureEnqueue(ctx: BenchContext): Promise<EnqueueFigures> {
  const ids = ctx.sizes.enqueueIds;
  ctx.log(`  enqueue: trackMany of ${ids} ids and raw addBulk of the same jobs, ${ROUNDS} rounds each after a warm-up`);
  const warmUp = Math.max(1, Math.min(5_000, Math.floor(ids / 10)));
  await trackMany(ctx, warmUp);
  await addBulk(ctx, warmUp);
  const track: Timed[] = [];
  const raw: Timed[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    raw.push(await addBulk(ctx, ids));
    track.push(await trackMany(ctx, ids));
  }
  await ctx.redis.flushall();
  const seconds = (runs: Timed[]) => runs.reduce((sum, run) => sum + run.seconds, 0);
  const perId = (run: Timed | undefined) => [...(run?.calls ?? new Map<string, number>())].map(([c, calls]) => [c, calls / ids] as const);
  const trackCalls = new Map(perId(track[0]));
  const rawCalls = new Map(perId(raw[0]));
  const total = (calls: Map<string, number>) => [...calls.values()].reduce((sum, v) => sum + v, 0);
  const beyond = [...new Set([...trackCalls.keys(), ...rawCalls.keys()])]
    .map((command) => ({ command, perId: (trackCalls.get(command) ?? 0) - (rawCalls.get(command) ?? 0) }))
    .filter((d) => Math.abs(d.perId) >= 0.005)
    .sort((a, b) => b.perId - a.perId);
  const trackManyPerSecond = (ids * ROUNDS) / seconds(track);
  const addBulkPerSecond = (ids * ROUNDS) / seconds(raw);
  return {
    ids,
    trackManyPerSecond,
    addBulkPerSecond,
    ratio: trackManyPerSecond / addBulkPerSecond,
    rounds: ROUNDS,
    commandsPerId: { trackMany: total(trackCalls), addBulk: total(rawCalls), beyond },
  };
}

async function trackMany(ctx: BenchContext, ids: number): Promise<Timed> {
  await ctx.redis.flushall();
  const producer = new RegionTaskProducer({ connection: ctx.redisUrl, prefix: ctx.freshPrefix('enq'), initialDelayMs: 60_000 });
  await producer.waitUntilReady();
  const before = await commandCalls(ctx.redis);
  const t0 = performance.now();
  await producer.trackMany(Array.from({ length: ids }, (_, i) => id('e1e1e1e1', i)));
  const seconds = (performance.now() - t0) / 1000;
  const calls = new Map(diffCalls(before, await commandCalls(ctx.redis)));
  await producer.close();
  return { seconds, calls };
}

async function addBulk(ctx: BenchContext, ids: number): Promise<Timed> {
  await ctx.redis.flushall();
  const queue = new Queue(POLL_QUEUE, { connection: { url: ctx.redisUrl }, prefix: ctx.freshPrefix('raw') });
  await queue.waitUntilReady();
  const submittedAt = new Date().toISOString();
  const before = await commandCalls(ctx.redis);
  const t0 = performance.now();
  for (let start = 0; start < ids; start += 1_000) {
    const jobs = Array.from({ length: Math.min(1_000, ids - start) }, (_, i) => {
      const data = { taskId: id('f2f2f2f2', start + i), submittedAt, trackingId: randomUUID() };
      return { name: JOB_NAMES.poll, data, opts: pollJobOptions(data, 60_000) };
    });
    await queue.addBulk(jobs);
  }
  const seconds = (performance.now() - t0) / 1000;
  const calls = new Map(diffCalls(before, await commandCalls(ctx.redis)));
  await queue.close();
  return { seconds, calls };
}
