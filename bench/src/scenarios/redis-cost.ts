import { createConnection, createServer, type Server } from 'node:net';
import type { BenchContext } from '../context.js';
import { commandCalls, diffCalls } from '../redis-stats.js';
import { runWorkers } from './worker-run.js';

export type RedisCost = {
  tasks: number;
  polls: number;
  commandsPerPoll: number;
  commandsPerTask: number;
  roundTripsPerPoll: number;
  /** Top commands by calls per poll (commands inside Lua scripts included, as Redis counts them). */
  top: { command: string; perPoll: number; perTask: number }[];
};

/** Counts client writes on their way to Redis: each is one round trip (pipelined commands share one). */
async function countingProxy(target: URL): Promise<{ url: string; writes: () => number; close: () => Promise<void> }> {
  let writes = 0;
  const server: Server = createServer((client) => {
    const upstream = createConnection(Number(target.port), target.hostname);
    client.on('data', () => (writes += 1));
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
  return { url: `redis://127.0.0.1:${port}`, writes: () => writes, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** 3. Redis commands per poll and per task end to end (`INFO commandstats`), and round trips per poll. */
export async function measureRedisCost(ctx: BenchContext, concurrency = 64): Promise<RedisCost> {
  const proxy = await countingProxy(new URL(ctx.redisUrl));
  try {
    const tasks = ctx.sizes.redisCostTasks;
    const k = ctx.sizes.pollsPerTask;
    ctx.log(`  Redis cost: ${tasks} tasks × ${k} polls, C=${concurrency}, worker connections through a counting proxy`);
    let before = new Map<string, number>();
    let after = new Map<string, number>();
    let writesBefore = 0;
    let writesAfter = 0;
    // Counting starts once the workers are connected and stops at the last result: start-up and
    // shutdown are not per-poll costs. Enqueueing (by the producer) is part of "per task end to end".
    const run = await runWorkers(ctx, {
      tasks,
      polls: k,
      concurrency,
      workerRedisUrl: proxy.url,
      checkEveryMs: 500,
      beforeTrack: async () => {
        before = await commandCalls(ctx.redis);
        writesBefore = proxy.writes();
      },
      beforeStop: async () => {
        writesAfter = proxy.writes();
        after = await commandCalls(ctx.redis);
      },
    });
    const diff = diffCalls(before, after);
    const total = diff.reduce((sum, [, calls]) => sum + calls, 0);
    return {
      tasks,
      polls: run.polls,
      commandsPerPoll: total / run.polls,
      commandsPerTask: total / tasks,
      roundTripsPerPoll: (writesAfter - writesBefore) / run.polls,
      top: diff.slice(0, 8).map(([command, calls]) => ({ command, perPoll: calls / run.polls, perTask: calls / tasks })),
    };
  } finally {
    await proxy.close();
  }
}
