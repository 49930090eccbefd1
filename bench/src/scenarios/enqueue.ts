import { randomUUID } from 'node:crypto';
import { JOB_NAMES, POLL_QUEUE } from '@regionwatch/core';
import { pollJobOptions, RegionTaskProducer } from '@regionwatch/producer';
import { Queue } from 'bullmq';
import type { BenchContext } from '../context.js';

export type EnqueueFigures = { ids: number; trackManyPerSecond: number; addBulkPerSecond: number; ratio: number };

const id = (run: string, i: number) => `${run}-0000-4000-8000-${String(i).padStart(12, '0')}`;

/** 5. `trackMany` of many ids against raw `Queue.addBulk` of the same jobs. */
export async function measureEnqueue(ctx: BenchContext): Promise<EnqueueFigures> {
  const ids = ctx.sizes.enqueueIds;
  ctx.log(`  enqueue: trackMany of ${ids} ids, then raw addBulk of the same jobs`);
  await ctx.redis.flushall();
  const producer = new RegionTaskProducer({ connection: ctx.redisUrl, prefix: ctx.freshPrefix('enq'), initialDelayMs: 60_000 });
  await producer.waitUntilReady();
  let t0 = performance.now();
  await producer.trackMany(Array.from({ length: ids }, (_, i) => id('e1e1e1e1', i)));
  const trackSeconds = (performance.now() - t0) / 1000;
  await producer.close();

  const queue = new Queue(POLL_QUEUE, { connection: { url: ctx.redisUrl }, prefix: ctx.freshPrefix('raw') });
  await queue.waitUntilReady();
  const submittedAt = new Date().toISOString();
  t0 = performance.now();
  for (let start = 0; start < ids; start += 1_000) {
    const jobs = Array.from({ length: Math.min(1_000, ids - start) }, (_, i) => {
      const data = { taskId: id('f2f2f2f2', start + i), submittedAt, trackingId: randomUUID() };
      return { name: JOB_NAMES.poll, data, opts: pollJobOptions(data, 60_000) };
    });
    await queue.addBulk(jobs);
  }
  const rawSeconds = (performance.now() - t0) / 1000;
  await queue.close();
  await ctx.redis.flushall();
  return { ids, trackManyPerSecond: ids / trackSeconds, addBulkPerSecond: ids / rawSeconds, ratio: rawSeconds / trackSeconds };
}
