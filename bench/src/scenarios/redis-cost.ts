import { createConnection, createServer, type Server } from 'node:net';
import { MAX_METADATA_BYTES } from '@regionwatch/core';
import type { BenchContext } from '../context.js';
import { commandCalls, diffCalls } from '../redis-stats.js';
import { bareStepHttp } from './baselines.js';
import { runWorkers, type WorkerRun } from './worker-run.js';

export type RedisCost = {
  tasks: number;
  polls: number;
  commandsPerPoll: number;
  commandsPerTask: number;
  roundTripsPerPoll: number;
  /** Top commands by calls per poll (commands inside Lua scripts included, as Redis counts them). */
  top: { command: string; perPoll: number; perTask: number }[];
  /** Baseline (c), same tasks, polls and C, same run: BullMQ step + one undici GET. */
  bareStep?: { commandsPerStep: number; top: { command: string; perStep: number }[] };
  /**
   * Commands per Pending poll (one that re-delays the task), the worker's and (c)'s: (k-poll run − 1-poll
   * run) ÷ (tasks × (k − 1)); and per task, what the worker's enqueue (trackMany's checks) and terminal poll
   * (decision and hand-off) make beyond (c)'s enqueue and last step: (worker's 1-poll run − (c)'s 1-step
   * run) ÷ tasks.
   */
  perPendingPoll?: { worker: number; bareStep: number };
  perTaskBeyondBareStep?: number;
  /** Commands per poll the worker makes beyond (c) per step (negative: fewer), largest first. */
  beyondBareStep?: { command: string; perPoll: number }[];
  /** Bytes the worker's connections wrote to Redis, without metadata and with the largest metadata allowed. */
  bytesWritten?: BytesWritten;
};

export type BytesWritten = {
  metadataBytes: number;
  /** Per poll, all polls of a k-poll task (the decision and hand-off included, spread over k). */
  perPoll: { none: number; large: number };
  /**
   * Per Pending poll (one that re-delays the task): (bytes of k-poll tasks − bytes of 1-poll tasks) ÷
   * (tasks × (k − 1)). The terminal poll writes the result (and its metadata) once; this is the rest.
   */
  perPendingPoll: { none: number; large: number };
};

type Proxy = { url: string; writes: () => number; bytes: () => number; close: () => Promise<void> };

/** Counts client writes on their way to Redis (each is one round trip; pipelined commands share one) and their bytes. */
async function countingProxy(target: URL): Promise<Proxy> {
  let writes = 0;
  let bytes = 0;
  const server: Server = createServer((client) => {
    const upstream = createConnection(Number(target.port), target.hostname);
    client.on('data', (chunk: Buffer) => {
      writes += 1;
      bytes += chunk.length;
    });
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    writes: () => writes,
    bytes: () => bytes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Metadata of exactly MAX_METADATA_BYTES as JSON (`{"blob":"x…x"}`): the most a task may carry. */
export const LARGEST_METADATA = { blob: 'x'.repeat(MAX_METADATA_BYTES - '{"blob":""}'.length) };

/**
 * 3. Redis commands per poll and per task end to end (`INFO commandstats`), round trips per poll, the
 * same for baseline (c) in the same run, and bytes the worker writes to Redis per poll with and without
 * 16 KiB of metadata.
 */
export async function measureRedisCost(ctx: BenchContext, concurrency = 64): Promise<RedisCost> {
  const proxy = await countingProxy(new URL(ctx.redisUrl));
  try {
    const tasks = ctx.sizes.redisCostTasks;
    const k = ctx.sizes.pollsPerTask;
    // Counting starts once the workers are connected and stops at the last result: start-up and
    // shutdown are not per-poll costs. Enqueueing (by the producer) is part of "per task end to end".
    const counted = async (polls: number, metadata?: Record<string, string>) => {
      let before = new Map<string, number>();
      let after = new Map<string, number>();
      let writesBefore = 0;
      let writesAfter = 0;
      let bytesBefore = 0;
      let bytesAfter = 0;
      const run: WorkerRun = await runWorkers(ctx, {
        tasks,
        polls,
        concurrency,
        workerRedisUrl: proxy.url,
        checkEveryMs: 500,
        ...(metadata ? { metadata } : {}),
        beforeTrack: async () => {
          before = await commandCalls(ctx.redis);
          writesBefore = proxy.writes();
          bytesBefore = proxy.bytes();
        },
        beforeStop: async () => {
          writesAfter = proxy.writes();
          bytesAfter = proxy.bytes();
          after = await commandCalls(ctx.redis);
        },
      });
      return { run, diff: diffCalls(before, after), writes: writesAfter - writesBefore, bytes: bytesAfter - bytesBefore };
    };
    ctx.log(`  Redis cost: ${tasks} tasks × ${k} polls, C=${concurrency}, worker connections through a counting proxy`);
    const main = await counted(k);
    ctx.log(`  Redis cost: baseline (c), BullMQ step + undici GET, ${tasks} tasks × ${k} steps, C=${concurrency}`);
    await ctx.redis.flushall();
    const step = await bareStepHttp(ctx, tasks, k, concurrency);
    await ctx.redis.flushall();
    const stepOne = await bareStepHttp(ctx, tasks, 1, concurrency);
    ctx.log(
      `  Redis cost: bytes written, ${tasks} tasks × 1 poll, and × ${k} and × 1 with ${LARGEST_METADATA.blob.length + 11} B of metadata`,
    );
    const one = await counted(1);
    const largeK = await counted(k, LARGEST_METADATA);
    const largeOne = await counted(1, LARGEST_METADATA);
    const perPending = (many: { bytes: number }, single: { bytes: number }) => (many.bytes - single.bytes) / (tasks * (k - 1));

    const sum = (diff: [string, number][]) => diff.reduce((total, [, calls]) => total + calls, 0);
    const total = sum(main.diff);
    const polls = main.run.polls;
    const stepTotal = (run: typeof step) => run.commandsPerStep * run.requests;
    const stepCalls = new Map(step.commands.map(([command, calls]) => [command, calls / step.requests]));
    const workerCalls = new Map(main.diff.map(([command, calls]) => [command, calls / polls]));
    const beyondBareStep = [...new Set([...workerCalls.keys(), ...stepCalls.keys()])]
      .map((command) => ({ command, perPoll: (workerCalls.get(command) ?? 0) - (stepCalls.get(command) ?? 0) }))
      .filter((d) => Math.abs(d.perPoll) >= 0.05)
      .sort((a, b) => b.perPoll - a.perPoll);
    return {
      tasks,
      polls,
      commandsPerPoll: total / polls,
      commandsPerTask: total / tasks,
      roundTripsPerPoll: main.writes / polls,
      top: main.diff.slice(0, 8).map(([command, calls]) => ({ command, perPoll: calls / polls, perTask: calls / tasks })),
      bareStep: {
        commandsPerStep: step.commandsPerStep,
        top: step.commands.slice(0, 8).map(([command, calls]) => ({ command, perStep: calls / step.requests })),
      },
      perPendingPoll: {
        worker: (total - sum(one.diff)) / (tasks * (k - 1)),
        bareStep: (stepTotal(step) - stepTotal(stepOne)) / (tasks * (k - 1)),
      },
      perTaskBeyondBareStep: (sum(one.diff) - stepTotal(stepOne)) / tasks,
      beyondBareStep,
      bytesWritten: {
        metadataBytes: Buffer.byteLength(JSON.stringify(LARGEST_METADATA)),
        perPoll: { none: main.bytes / polls, large: largeK.bytes / largeK.run.polls },
        perPendingPoll: { none: perPending(main, one), large: perPending(largeK, largeOne) },
      },
    };
  } finally {
    await proxy.close();
  }
}
