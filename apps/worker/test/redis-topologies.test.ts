import { randomBytes } from 'node:crypto';
import {
  createLogger,
  createRedisConnection,
  decodeRegions,
  endpointIndexKeys,
  endpointKeys,
  endpointOf,
  loadProducerConfig,
  loadWorkerConfig,
  pollShards,
  redisTargetFrom,
  regionResultSchema,
  shardOfTask,
  type RedisClient,
  type RegionResult,
} from '@regionwatch/core';
import { RegionTaskProducer } from '@regionwatch/producer';
import { startSimulator, type Simulator } from '@regionwatch/simulator';
import { spawnNode, waitFor, WebhookReceiver } from '@regionwatch/testkit';
import { test, uniquePrefix } from '@regionwatch/testkit/vitest';
import { Queue } from 'bullmq';
import { afterEach, describe, expect } from 'vitest';
import { startWorker, type RunningWorker } from '../src/index.js';
import { LogCapture } from './support/harness.js';

// The worker, the producer library and `npm run track` end to end against a real Sentinel set-up and a
// real Redis Cluster (testkit starts both on loopback): every tracked task reaches its result and its
// webhook, with the connection built from the REDIS_* variables alone, as in production.

const WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

type Run = {
  env: Record<string, string>;
  simulator: Simulator;
  receiver: WebhookReceiver;
  worker: RunningWorker;
  results: Queue;
  logs: LogCapture;
};

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {});
});

/** A simulator, a webhook receiver and one worker in this process, all configured from `redisEnv` + a prefix. */
async function startRun(redisEnv: Record<string, string>, prefix: string): Promise<Run> {
  const simulator = await startSimulator({ pendingMs: 30, processingMs: 30, seed: 14 });
  closers.push(() => simulator.close());
  const receiver = await new WebhookReceiver(WEBHOOK_SECRET).start();
  closers.push(() => receiver.close());
  const env: Record<string, string> = {
    ...redisEnv,
    REGIONWATCH_PREFIX: prefix,
    ASPOSE_BASE_URL: simulator.url,
    ASPOSE_CLIENT_ID: simulator.credentials.clientId,
    ASPOSE_CLIENT_SECRET: simulator.credentials.clientSecret,
    ASPOSE_TIMEOUT_MS: '2000',
    POLL_INITIAL_DELAY_MS: '20',
    POLL_MAX_DELAY_MS: '80',
    WORKER_CONCURRENCY: '16',
    WEBHOOK_SECRET,
    WEBHOOK_RETRY_BASE_MS: '50',
    WEBHOOK_TIMEOUT_MS: '1000',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    METRICS_PORT: '0',
    LOG_LEVEL: 'info',
  };
  const config = loadWorkerConfig(env);
  const logs = new LogCapture();
  const worker = await startWorker({ config, logger: createLogger({ level: 'info', destination: logs }), defaultMetrics: false });
  closers.push(() => worker.close(5_000));
  const connection: RedisClient = createRedisConnection(redisTargetFrom(config), 'blocking');
  const results = new Queue(config.RESULTS_QUEUE || 'regions-results', { connection, prefix });
  closers.push(async () => {
    await results.close();
    connection.disconnect();
  });
  return { env, simulator, receiver, worker, results, logs };
}

/** Tracks `count` tasks through the producer library and `count` through `npm run track`; waits for every result and webhook. */
async function trackAndFinish(run: Run, count: number): Promise<string[]> {
  const task = (i: number) =>
    run.simulator.createTask({
      pendingMs: 50 + (i % 5) * 40,
      processingMs: 50,
      outcome: i % 7 === 0 ? { status: 'Error', messages: [`failed ${i}`] } : { status: 'Completed' },
    });
  const viaLibrary = Array.from({ length: count }, (_, i) => task(i));
  const viaCli = Array.from({ length: count }, (_, i) => task(count + i));

  const producer = RegionTaskProducer.fromConfig(loadProducerConfig(run.env));
  try {
    await producer.waitUntilReady(10_000);
    const tracked = await producer.trackMany(viaLibrary.map((taskId) => ({ taskId, webhookUrl: run.receiver.url })));
    expect(tracked.every((t) => t.ok && t.created)).toBe(true);
    expect(await producer.track(viaLibrary[0] as string)).toEqual({ taskId: viaLibrary[0], created: false });
  } finally {
    await producer.close();
  }

  // `npm run track`, in its own process, configured by the environment only.
  const cli = spawnNode('packages/producer/src/cli.ts', ['--webhook', run.receiver.url, ...viaCli], run.env);
  expect(await cli.exited, cli.lines.join('\n')).toBe(0);
  expect(cli.lines.filter((line) => line.startsWith('created ')).sort()).toEqual(viaCli.map((id) => `created ${id}`).sort());

  const ids = [...viaLibrary, ...viaCli];
  await waitFor('every result', async () => ((await run.results.count()) === ids.length ? true : undefined), 30_000, 50);
  await waitFor('every webhook', () => (run.receiver.accepted.size === ids.length ? true : undefined), 30_000, 50);
  for (const taskId of ids) {
    const result = regionResultSchema.parse((await run.results.getJob(taskId))?.data);
    expect(result.status).toBe(run.simulator.taskState(taskId)?.status);
    if (result.status === 'Completed') expect(result.regions).toEqual(decodeRegions(result.results));
    expect((run.receiver.accepted.get(taskId)?.body as { data: RegionResult }).data).toEqual(result);
  }
  return ids;
}

describe('against a real Sentinel set-up (primary, replica, three sentinels)', () => {
  test('worker, producer and `npm run track` find the primary through the sentinels; every task gets its result and webhook', async ({
    sentinel,
  }) => {
    const run = await startRun({ ...sentinel.env }, uniquePrefix('ha-sentinel'));
    await trackAndFinish(run, 20);
    expect(run.logs.lines.some((line) => line.includes('Sentinel primary'))).toBe(true);
    // The worker wrote to the primary the sentinels name, and the replica holds a copy.
    const primary = sentinel.serverAt((await sentinel.currentPrimary()).port)!.client();
    const replica = sentinel.servers.find((s) => s.port !== primary.options.port)!.client();
    try {
      await Promise.all([primary.connect(), replica.connect()]);
      await primary.call('WAIT', '1', '5000');
      expect((await replica.keys(`${run.env.REGIONWATCH_PREFIX}:*`)).length).toBeGreaterThan(0);
    } finally {
      primary.disconnect();
      replica.disconnect();
    }
  }, 60_000);
});

describe('against a real Redis Cluster (three primaries)', () => {
  test('with a hash-tag prefix, every task reaches its result and webhook; all of regionwatch sits on one primary', async ({ cluster }) => {
    const prefix = uniquePrefix('ha-cluster', { hashTag: true });
    const run = await startRun({ ...cluster.env }, prefix);
    await trackAndFinish(run, 20);

    // Everything under one tag is one slot, so one primary: Cluster gives regionwatch failover, not
    // more throughput, unless POLL_SHARDS spreads the poll queues (the next test).
    const { port: owner } = await cluster.slotOf(`${prefix}:any`);
    const keysPerPrimary = new Map<number, number>();
    for (const primary of await cluster.primaries()) {
      const node = cluster.nodes.find((n) => n.port === primary.port);
      const client = node!.client();
      await client.connect();
      keysPerPrimary.set(primary.port, (await client.keys(`${prefix}*`)).length);
      client.disconnect();
    }
    expect(keysPerPrimary.get(owner)).toBeGreaterThan(0);
    for (const [port, keys] of keysPerPrimary) if (port !== owner) expect(keys).toBe(0);
  }, 60_000);

  test('POLL_SHARDS=3: one result and webhook per task; each shard’s queues and endpoint state on its own primary', async ({ cluster }) => {
    const prefix = uniquePrefix('ha-shards', { hashTag: true });
    const run = await startRun({ ...cluster.env, POLL_SHARDS: '3' }, prefix);
    expect(run.worker.pollWorkers).toHaveLength(3);
    const ids = await trackAndFinish(run, 15);
    const results = await run.results.getJobs(['waiting', 'completed'], 0, -1);
    expect(results.map((job) => job.id).sort()).toEqual([...ids].sort());
    expect(run.receiver.duplicatesSuppressed).toBe(0);

    // The Cluster's own CLUSTER KEYSLOT is the oracle: each shard's keys on its own primary, and each
    // task's shard is its id's slot mod 3.
    const shards = pollShards(prefix, 3);
    const owners = await Promise.all(shards.map((shard) => cluster.slotOf(`${shard.prefix}:regions-poll:wait`)));
    expect(new Set(owners.map((o) => o.port)).size).toBe(3);
    const connection = createRedisConnection(cluster.target, 'blocking');
    try {
      // A delivery is marked completed just after the receiver answered: wait for the last ones.
      const completed = () => Promise.all(shards.map((shard) => connection.zcard(`${shard.prefix}:regions-webhooks:completed`)));
      await waitFor(
        'every delivery completed',
        async () => ((await completed()).reduce((a, b) => a + b, 0) === ids.length ? true : undefined),
        30_000,
        50,
      );
      for (const taskId of ids.slice(0, 10)) {
        const { slot } = await cluster.slotOf(taskId);
        expect(shardOfTask(taskId, 3)).toBe(slot % 3);
        // The task record sits beside the job in that shard (same slot as the shard's queue keys).
        const recordKey = `${shards[slot % 3]!.prefix}:regions-poll:${taskId}:task`;
        expect((await cluster.slotOf(recordKey)).slot).toBe(owners[slot % 3]!.slot);
        expect(await connection.exists(recordKey)).toBe(1);
        // Its webhook delivery went through its shard's webhook queue, on that shard's primary.
        const deliveryKey = `${shards[slot % 3]!.prefix}:regions-webhooks:${taskId}`;
        expect((await cluster.slotOf(deliveryKey)).port).toBe(owners[slot % 3]!.port);
        expect(await connection.hget(deliveryKey, 'finishedOn')).not.toBeNull();
      }
      // Each shard's webhook queue holds its tasks' deliveries: three slots, three primaries.
      const hookOwners = await Promise.all(shards.map((shard) => cluster.slotOf(`${shard.prefix}:regions-webhooks:completed`)));
      expect(hookOwners.map((o) => o.port)).toEqual(owners.map((o) => o.port));
      expect((await completed()).filter((n) => n > 0).length).toBeGreaterThan(1);
      // The receiver's endpoint state (breaker, line, rate window, index) is per shard: on each shard's primary
      // (of every shard that delivered), none under the tag.
      const endpoint = endpointOf(run.receiver.url);
      const delivered = await completed();
      for (const [i, shard] of shards.entries()) {
        if (delivered[i] === 0) continue;
        const keys = endpointKeys(shard.prefix, endpoint);
        expect(await connection.exists(keys.state)).toBe(1);
        expect((await cluster.slotOf(keys.state)).port).toBe(owners[i]!.port);
        expect((await cluster.slotOf(keys.rate)).port).toBe(owners[i]!.port);
        expect(await connection.zscore(endpointIndexKeys(shard.prefix).index, endpoint)).not.toBeNull();
      }
      expect(await connection.exists(endpointKeys(prefix, endpoint).state, endpointIndexKeys(prefix).index)).toBe(0);
    } finally {
      connection.disconnect();
    }
    // The producer's status (the task's record, poll job and deliveries: one slot, its shard's) works on the Cluster.
    const producer = RegionTaskProducer.fromConfig(loadProducerConfig(run.env));
    try {
      await producer.waitUntilReady(10_000);
      expect(await producer.status(ids[1]!)).toMatchObject({
        state: 'finished',
        delivery: { results: 'handed', webhooks: [{ jobId: ids[1], state: 'delivered' }] },
      });
    } finally {
      await producer.close();
    }
  }, 90_000);

  test('a prefix without a hash tag is refused before anything is written, naming what to set', async ({ cluster }) => {
    const env = { ...cluster.env, REGIONWATCH_PREFIX: 'regionwatch' };
    expect(() => loadProducerConfig(env)).toThrow(/REGIONWATCH_PREFIX.*hash tag.*\{regionwatch\}/s);
    const cli = spawnNode('packages/producer/src/cli.ts', ['task-1'], env);
    expect(await cli.exited).toBe(2);
    expect(cli.lines.join('\n')).toMatch(/REGIONWATCH_PREFIX=\{regionwatch\}/);
  }, 30_000);
});
