import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { JOB_NAMES, POLL_QUEUE, recordPayload, TaskRecordStore, WEBHOOK_QUEUE } from '@regionwatch/core';
import { RegionTaskProducer } from '@regionwatch/producer';
import { Queue } from 'bullmq';
import { until } from '../child-process.js';
import type { BenchContext } from '../context.js';
import { keyBytes, usedMemory } from '../redis-stats.js';
import { runWorkers } from './worker-run.js';

/** Bytes per finished task by where they sit (`MEMORY USAGE` of every key; BullMQ's event streams apart). */
export type FinishedBytes = {
  /** `used_memory` delta ÷ tasks, event streams included (for comparison with older runs). */
  usedMemory: number;
  /** Task records (`…:task`), whole. */
  records: number;
  /** Of the records: the result payload (raw result items, errors, warnings, metadata, response code) as stored JSON. */
  resultPayload: number;
  /** The results queue's keys: the result job until a consumer takes it (an hour after, with one). */
  resultsQueue: number;
  /** The webhook queue's keys (completed deliveries or dead letters kept). */
  webhookQueue: number;
  /** Every other key of the prefix except event streams (poll queue leftovers, dedupe keys, counters). */
  other: number;
  /** Event streams (capped by BullMQ at ~10,000 entries per queue: a fixed cost, not per task), in bytes for the whole run. */
  eventStreamsTotal: number;
  /** Beyond what the consumer asked for: records − result payload + other (webhook and results queues apart). */
  overhead: number;
};

export type MemoryFigures = {
  pendingTasks: number;
  bytesPerPendingTask: number;
  /** A bare delayed BullMQ job with the same data (no regionwatch options), same measure. */
  bytesPerBareDelayedJob?: number;
  /** Event streams' share of the pending figures (fixed per queue, left out of both per-task figures). */
  pendingEventStreamsTotal?: number;
  finishedTasks: number;
  /** The task record (poll jobs are removed when they complete) + the result job in the results queue. */
  bytesPerFinishedTask: number;
  /** RESULTS_QUEUE='': only the task record stays. */
  bytesPerFinishedTaskWithoutResultsQueue: number;
  finished?: { withResultsQueue: FinishedBytes; webhooksOnly: FinishedBytes; webhooksDeadLetters: FinishedBytes };
};

const uuid = (prefix: string, i: number) => `${prefix}-0000-4000-8000-${String(i).padStart(12, '0')}`;
const isStream = (key: string) => key.endsWith(':events');

/** Memory of every key of `prefix`, per task, by group. */
async function finishedBytes(
  ctx: BenchContext,
  prefix: string,
  tasks: number,
  usedDelta: number,
  resultsQueue: string,
): Promise<FinishedBytes> {
  const groups = await keyBytes(ctx.redis, `${prefix}:*`, (key) => {
    if (isStream(key)) return 'streams';
    if (key.startsWith(`${prefix}:${POLL_QUEUE}:`) && key.endsWith(':task')) return 'records';
    if (resultsQueue && key.startsWith(`${prefix}:${resultsQueue}:`)) return 'results';
    if (key.startsWith(`${prefix}:${WEBHOOK_QUEUE}:`)) return 'webhooks';
    return 'other';
  });
  // The result payload inside the records: its JSON bytes as the record stores it (record-encoding.ts).
  const store = new TaskRecordStore(ctx.redis, prefix);
  let payload = 0;
  let cursor = '0';
  do {
    const [next, keys] = await ctx.redis.scan(cursor, 'MATCH', `${prefix}:${POLL_QUEUE}:*:task`, 'COUNT', 1_000);
    cursor = next;
    const records = await Promise.all(keys.map((key) => store.read(key.slice(`${prefix}:${POLL_QUEUE}:`.length, -':task'.length))));
    for (const record of records) {
      if (!record) continue;
      payload += Buffer.byteLength(JSON.stringify(recordPayload(record.body)));
    }
  } while (cursor !== '0');
  const per = (group: string) => (groups.get(group) ?? 0) / tasks;
  return {
    usedMemory: usedDelta / tasks,
    records: per('records'),
    resultPayload: payload / tasks,
    resultsQueue: per('results'),
    webhookQueue: per('webhooks'),
    other: per('other'),
    eventStreamsTotal: groups.get('streams') ?? 0,
    overhead: per('records') - payload / tasks + per('other'),
  };
}

/** A webhook receiver on loopback answering every delivery with `status`. */
async function receiver(status: number): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(status).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hook`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** 4. Redis memory per tracked (pending) task against a bare delayed job, and per finished task kept, by where it sits. */
export async function measureMemory(ctx: BenchContext): Promise<MemoryFigures> {
  const pendingTasks = ctx.sizes.memoryPendingTasks;
  ctx.log(`  memory: ${pendingTasks} pending tasks, then the same number of bare delayed jobs with the same data`);
  await ctx.redis.flushall();
  const streams = async (prefix: string) =>
    (await keyBytes(ctx.redis, `${prefix}:*`, (key) => (isStream(key) ? 's' : undefined))).get('s') ?? 0;
  const prefix = ctx.freshPrefix('mem');
  const producer = new RegionTaskProducer({ connection: ctx.redisUrl, prefix, initialDelayMs: 3_600_000 });
  await producer.waitUntilReady();
  const m0 = await usedMemory(ctx.redis);
  await producer.trackMany(
    Array.from({ length: pendingTasks }, (_, i) => ({ taskId: uuid('a1b2c3d4', i), metadata: { documentId: String(i) } })),
  );
  const m1 = await usedMemory(ctx.redis);
  const pendingStreams = await streams(prefix);
  await producer.close();

  // The floor: the same data (as the producer stores it) in a plain delayed job, jobId = task id, no options.
  const barePrefix = ctx.freshPrefix('mem-bare');
  const bare = new Queue(POLL_QUEUE, { connection: { url: ctx.redisUrl }, prefix: barePrefix });
  await bare.waitUntilReady();
  const b0 = await usedMemory(ctx.redis);
  const submittedAt = new Date().toISOString();
  for (let start = 0; start < pendingTasks; start += 1_000) {
    await bare.addBulk(
      Array.from({ length: Math.min(1_000, pendingTasks - start) }, (_, i) => {
        const taskId = uuid('b1b2c3d4', start + i);
        const data = { taskId, submittedAt, metadata: { documentId: String(start + i) }, trackingId: randomUUID() };
        return { name: JOB_NAMES.poll, data, opts: { jobId: taskId, delay: 3_600_000 } };
      }),
    );
  }
  const b1 = await usedMemory(ctx.redis);
  const bareStreams = await streams(barePrefix);
  await bare.close();

  const finishedTasks = ctx.sizes.memoryFinishedTasks;
  const finished = async (env: Record<string, string>, settle?: (prefix: string) => Promise<void>) => {
    await ctx.redis.flushall();
    const before = await usedMemory(ctx.redis);
    let after = before;
    let bytes: FinishedBytes | undefined;
    await runWorkers(ctx, {
      tasks: finishedTasks,
      polls: 1,
      concurrency: 64,
      env,
      beforeStop: async (runPrefix) => {
        await settle?.(runPrefix);
        after = await usedMemory(ctx.redis);
        bytes = await finishedBytes(ctx, runPrefix, finishedTasks, after - before, env.RESULTS_QUEUE ?? 'regions-results');
      },
    });
    if (!bytes) throw new Error('the finished-task run measured nothing');
    return bytes;
  };
  ctx.log(`  memory: ${finishedTasks} finished tasks, results queue on`);
  const withResultsQueue = await finished({});
  ctx.log(`  memory: ${finishedTasks} finished tasks, results queue off`);
  const withoutResults = await finished({ RESULTS_QUEUE: '' });
  const webhookRun = async (status: number) => {
    const hook = await receiver(status);
    try {
      return await finished(
        {
          RESULTS_QUEUE: '',
          WEBHOOK_URL: hook.url,
          WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
          WEBHOOK_ALLOW_PRIVATE: 'true',
          WEBHOOK_ENDPOINT_MAX_RPS: '100000',
        },
        async (runPrefix) => {
          const webhooks = new Queue(WEBHOOK_QUEUE, { connection: { url: ctx.redisUrl }, prefix: runPrefix });
          try {
            const settled = async () => (await webhooks.getJobCountByTypes('completed', 'failed')) >= finishedTasks;
            await until('every webhook delivered or ended', settled, 15 * 60_000, 200);
          } finally {
            await webhooks.close();
          }
        },
      );
    } finally {
      await hook.close();
    }
  };
  ctx.log(`  memory: ${finishedTasks} finished tasks, webhooks only, receiver answers 204 (completed deliveries kept)`);
  const webhooksOnly = await webhookRun(204);
  ctx.log(`  memory: ${finishedTasks} finished tasks, webhooks only, receiver answers 410 (ended deliveries kept like dead letters)`);
  const webhooksDeadLetters = await webhookRun(410);
  await ctx.redis.flushall();
  return {
    pendingTasks,
    bytesPerPendingTask: (m1 - m0 - pendingStreams) / pendingTasks,
    bytesPerBareDelayedJob: (b1 - b0 - bareStreams) / pendingTasks,
    pendingEventStreamsTotal: pendingStreams,
    finishedTasks,
    bytesPerFinishedTask: withResultsQueue.records + withResultsQueue.resultsQueue + withResultsQueue.other,
    bytesPerFinishedTaskWithoutResultsQueue: withoutResults.records + withoutResults.other,
    finished: { withResultsQueue, webhooksOnly, webhooksDeadLetters },
  };
}
