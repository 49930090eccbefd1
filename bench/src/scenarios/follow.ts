import { randomUUID } from 'node:crypto';
import { recordBodyFor, TaskRecordStore } from '@regionwatch/core';
import { RegionTaskProducer } from '@regionwatch/producer';
import { regionResult } from '@regionwatch/testkit';
import { Redis } from 'ioredis';
import type { BenchContext } from '../context.js';
import { commandCalls, diffCalls } from '../redis-stats.js';

export type FollowFigures = {
  pendingTasks: number;
  statusCalls: number;
  /** Commands the producer sent per `status()` call (a pipeline counts each command), and Redis's own count. */
  statusCommands: number;
  statusServerCommands: number;
  statusRoundTrips: number;
  statusP50Ms: number;
  statusP99Ms: number;
  waiters: number;
  /** Commands the producer sent per wait, from the call to its result (the one shared SUBSCRIBE included, spread over the waits). */
  waitCommands: number;
  waitRoundTrips: number;
  /** From the DECIDE script's PUBLISH (its call returning) to the waiter holding the result. */
  waitP50Ms: number;
  waitP99Ms: number;
  /** Redis-side commands of one decision: the worker's DECIDE script (EVALSHA + the commands inside it, its PUBLISH included). */
  decideServerCommands: number;
};

/** A client that counts what it sends: commands (each one of a pipeline) and round trips (a pipeline is one). */
function countingClient(url: string): { redis: Redis; commands: () => number; roundTrips: () => number } {
  let commands = 0;
  let roundTrips = 0;
  const count = (client: Redis): Redis => {
    const send = client.sendCommand.bind(client);
    client.sendCommand = (command: Parameters<Redis['sendCommand']>[0], stream?: Parameters<Redis['sendCommand']>[1]) => {
      commands += 1;
      roundTrips += 1;
      return send(command, stream);
    };
    const duplicate = client.duplicate.bind(client);
    client.duplicate = (...args: Parameters<Redis['duplicate']>) => count(duplicate(...args));
    const pipeline = client.pipeline.bind(client);
    client.pipeline = (...args: Parameters<Redis['pipeline']>) => {
      const p = pipeline(...args);
      const exec = p.exec.bind(p);
      // A pipeline's commands go through sendCommand one by one (counted there) but in one write.
      p.exec = async (...execArgs: Parameters<typeof p.exec>) => {
        const queued = p.length;
        roundTrips -= queued - 1;
        return exec(...execArgs);
      };
      return p;
    };
    return client;
  };
  return { redis: count(new Redis(url, { maxRetriesPerRequest: 3 })), commands: () => commands, roundTrips: () => roundTrips };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * 10. Following a task (issue 18): `status()` and `waitForResult()` with `pendingTasks` tracked and
 * pending, and `waiters` waits at once. The decisions are made by the worker's own DECIDE script (the
 * lock a replica would hold is set by hand), so the figures are the producer's and Redis's, not a poll run's.
 */
export async function measureFollow(
  ctx: BenchContext,
  sizes: { pendingTasks: number; statusCalls: number; waiters: number },
): Promise<FollowFigures> {
  const prefix = ctx.freshPrefix('follow');
  const client = countingClient(ctx.redisUrl);
  const producer = new RegionTaskProducer({ connection: client.redis, prefix, initialDelayMs: 3_600_000 });
  const decider = new Redis(ctx.redisUrl);
  const records = new TaskRecordStore(decider, prefix);
  try {
    ctx.log(`  follow: ${sizes.pendingTasks} pending tasks, ${sizes.statusCalls} status() calls, ${sizes.waiters} concurrent waits`);
    const ids = Array.from({ length: sizes.pendingTasks }, () => randomUUID());
    await producer.trackMany(ids);

    // status(): one after another, so latencies are the calls' own.
    const latencies: number[] = [];
    const [c0, r0, s0] = [client.commands(), client.roundTrips(), await commandCalls(ctx.redis)];
    for (let i = 0; i < sizes.statusCalls; i += 1) {
      const started = performance.now();
      const status = await producer.status(ids[(i * 7919) % ids.length] as string);
      latencies.push(performance.now() - started);
      if (status.state !== 'pending') throw new Error(`expected a pending task, got ${status.state}`);
    }
    const [c1, r1, s1] = [client.commands(), client.roundTrips(), await commandCalls(ctx.redis)];
    latencies.sort((a, b) => a - b);
    const statusServer = diffCalls(s0, s1).reduce((sum, [, calls]) => sum + calls, 0);

    // waitForResult(): every waiter registers (the shared subscriber is opened by the first), then the tasks are decided.
    const waited = ids.slice(0, sizes.waiters);
    const resolvedAt = new Map<string, number>();
    const before = client.commands();
    const beforeTrips = client.roundTrips();
    const waits = waited.map((id) => producer.waitForResult(id, { timeoutMs: 120_000 }).then(() => resolvedAt.set(id, performance.now())));
    // Each wait reads its record once before it listens (one pipeline of 2); wait for all of them.
    for (let spins = 0; client.commands() - before < 2 * sizes.waiters + 1 && spins < 10_000; spins += 1) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const now = new Date().toISOString();
    /** Decides `id` with the worker's DECIDE script, holding the lock a replica would hold (set beforehand). */
    const decide = async (id: string, token: string) => {
      const result = regionResult(id, { submittedAt: now, finishedAt: now });
      const body = recordBodyFor(result, [], { results: null, webhooks: [] });
      await records.decide({ taskId: id, token, chain: 'bench', body, progressJson: '{}' });
    };
    const decidedAt = new Map<string, number>();
    for (const id of waited) {
      const token = randomUUID();
      await decider.set(`${records.jobKey(id)}:lock`, token);
      await decide(id, token);
      decidedAt.set(id, performance.now());
    }
    await Promise.all(waits);
    const waitCommands = (client.commands() - before) / sizes.waiters;
    const waitTrips = (client.roundTrips() - beforeTrips) / sizes.waiters;
    // What one decision costs Redis, measured apart on tasks nobody waits for (so no waiter's read is
    // counted): every command in the window, the script's own commands included, locks set before it.
    const lone = ids.slice(sizes.waiters, 2 * sizes.waiters);
    const tokens = lone.map(() => randomUUID());
    for (const [i, id] of lone.entries()) await decider.set(`${records.jobKey(id)}:lock`, tokens[i] as string);
    const d0 = await commandCalls(ctx.redis);
    for (const [i, id] of lone.entries()) await decide(id, tokens[i] as string);
    const decideServer = diffCalls(d0, await commandCalls(ctx.redis)).reduce((sum, [, calls]) => sum + calls, 0);
    const lags = waited.map((id) => (resolvedAt.get(id) ?? Number.NaN) - (decidedAt.get(id) ?? Number.NaN)).sort((a, b) => a - b);
    return {
      pendingTasks: sizes.pendingTasks,
      statusCalls: sizes.statusCalls,
      statusCommands: (c1 - c0) / sizes.statusCalls,
      statusServerCommands: statusServer / sizes.statusCalls,
      statusRoundTrips: (r1 - r0) / sizes.statusCalls,
      statusP50Ms: percentile(latencies, 50),
      statusP99Ms: percentile(latencies, 99),
      waiters: sizes.waiters,
      waitCommands,
      waitRoundTrips: waitTrips,
      waitP50Ms: percentile(lags, 50),
      waitP99Ms: percentile(lags, 99),
      decideServerCommands: decideServer / Math.max(1, lone.length),
    };
  } finally {
    await producer.close();
    client.redis.disconnect();
    decider.disconnect();
  }
}
