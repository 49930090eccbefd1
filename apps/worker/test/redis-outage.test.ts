// A Redis outage, as an operator lives it (issue 17 §1): the worker's own Redis is killed under a
// running replica (a worker process, exactly `npm run worker`), then started again on its AOF data.
// Each test has a Redis of its own: the run's shared Redis cannot be stopped.
import { POLL_QUEUE, regionResultSchema, TaskRecordStore } from '@regionwatch/core';
import { RegionTaskProducer } from '@regionwatch/producer';
import { startSimulator, type Simulator } from '@regionwatch/simulator';
import { freePort, SOURCE_WORKER, spawnRedisServer, startWorkerProcess, until, waitFor, type WorkerProcess } from '@regionwatch/testkit';
import { rm } from 'node:fs/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';

type RedisServer = Awaited<ReturnType<typeof spawnRedisServer>>;
const AOF = ['--appendonly', 'yes', '--appendfsync', 'always'];
const SHUTDOWN_TIMEOUT_MS = 2_000;

/** Everything a test starts, stopped in afterEach whatever happened. */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

type World = {
  redis: RedisServer;
  simulator: Simulator;
  /** The simulator's clock: tasks stay Pending until the test moves it. */
  clock: { now: number };
  env: Record<string, string>;
  pollQueue: Queue;
  resultsQueue: Queue;
  ids: string[];
};

async function world(tasks: number): Promise<World> {
  const redis = await spawnRedisServer(AOF);
  const clock = { now: Date.now() };
  const simulator = await startSimulator({ now: () => clock.now });
  cleanups.push(() => simulator.close());
  const ids = Array.from({ length: tasks }, () =>
    simulator.createTask({ pendingMs: 60_000, processingMs: 0, outcome: { status: 'Completed' } }),
  );
  const prefix = 'outage';
  const env = {
    REDIS_URL: redis.url,
    REGIONWATCH_PREFIX: prefix,
    ASPOSE_BASE_URL: simulator.url,
    ASPOSE_CLIENT_ID: simulator.credentials.clientId,
    ASPOSE_CLIENT_SECRET: simulator.credentials.clientSecret,
    POLL_INITIAL_DELAY_MS: '20',
    POLL_MAX_DELAY_MS: '100',
    WORKER_LOCK_DURATION_MS: '2000',
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    LOG_LEVEL: 'info',
  };
  // The test's own view of the queues; quiet while Redis is away (it reconnects by itself).
  const queue = (name: string) => new Queue(name, { connection: { url: redis.url }, prefix }).on('error', () => {});
  const pollQueue = queue(POLL_QUEUE);
  const resultsQueue = queue('regions-results');
  cleanups.push(() => Promise.all([pollQueue.close(), resultsQueue.close()]));
  const producer = new RegionTaskProducer({ connection: redis.url, prefix, initialDelayMs: 20 });
  await producer.trackMany(ids);
  await producer.close();
  const w = { redis, simulator, clock, env, pollQueue, resultsQueue, ids };
  // Whichever server is current at the end (a restart replaces it), and its data directory.
  cleanups.unshift(async () => {
    await w.redis.stop();
    await rm(w.redis.dir, { recursive: true, force: true });
  });
  return w;
}

async function startReplica(env: Record<string, string>): Promise<WorkerProcess> {
  const worker = await startWorkerProcess(env, { entry: SOURCE_WORKER });
  cleanups.push(async () => {
    if (worker.process.exitCode === null && worker.process.signalCode === null) worker.process.kill('SIGKILL');
    await worker.exited;
  });
  return worker;
}

/** SIGKILLs Redis and waits until it is gone (its AOF, fsynced on every write, keeps everything). */
async function killRedis(redis: RedisServer): Promise<void> {
  const gone = new Promise((resolve) => redis.process.once('exit', resolve));
  redis.process.kill('SIGKILL');
  await gone;
}

const parsed = (lines: readonly string[]) =>
  lines.map((line) => {
    try {
      return JSON.parse(line) as { msg: string; level: string } & Record<string, unknown>;
    } catch {
      return { msg: `NOT JSON: ${line}`, level: 'none' };
    }
  });

const lineWith = (worker: WorkerProcess, msg: string) => () => parsed(worker.lines).find((line) => line.msg === msg);

describe('a Redis outage under a running worker', () => {
  it('is a few JSON lines, /metrics and /readyz answer with what is known, and work resumes when Redis is back', async () => {
    const w = await world(10);
    const worker = await startReplica(w.env);
    const metrics = async () => {
      const response = await fetch(`http://127.0.0.1:${worker.healthPort}/metrics`, { signal: AbortSignal.timeout(10_000) });
      expect(response.status).toBe(200);
      return response.text();
    };
    // Polling is under way (every task polled at least once) and the queue gauges have been read.
    await until('every task polled', () => w.ids.every((id) => (w.simulator.taskState(id)?.polls ?? 0) > 0), 20_000);
    expect(await metrics()).toMatch(/^regionwatch_queue_jobs\{queue="regions-poll",state="delayed",prefix="outage"\} \d+$/m);
    const before = worker.lines.length;

    await killRedis(w.redis);
    await waitFor('the outage line', lineWith(worker, 'Redis connection lost; reconnecting by itself'), 20_000);

    // /metrics answers (the scrape does not wait on Redis) and says what is known.
    const during = await metrics();
    expect(during).toMatch(/^regionwatch_redis_up\{prefix="outage"\} 0$/m);
    expect(during).toMatch(/^regionwatch_ready\{prefix="outage"\} 0$/m);
    expect(during).toMatch(/^regionwatch_not_ready\{reason="redis",prefix="outage"\} 1$/m);
    expect(during).toMatch(/^regionwatch_not_ready\{reason="aspose_auth",prefix="outage"\} 0$/m);
    // The queue gauges keep their last values instead of vanishing.
    expect(during).toMatch(/^regionwatch_queue_jobs\{queue="regions-poll",state="delayed",prefix="outage"\} \d+$/m);
    const readyz = await fetch(`http://127.0.0.1:${worker.healthPort}/readyz`, { signal: AbortSignal.timeout(10_000) });
    expect(readyz.status).toBe(503);
    expect(((await readyz.json()) as { reasons: string[] }).reasons).toContain('Redis does not answer');
    // Asked twice more while Redis is still away: the same, never a hang.
    for (let i = 0; i < 2; i += 1) expect(await metrics()).toMatch(/^regionwatch_redis_up\{prefix="outage"\} 0$/m);

    w.redis = await spawnRedisServer(AOF, w.redis.port, w.redis.dir);
    await waitFor('the end-of-outage line', lineWith(worker, 'Redis connection back'), 30_000);
    await until('regionwatch_redis_up 1', async () => /^regionwatch_redis_up\{prefix="outage"\} 1$/m.test(await metrics()), 20_000);

    // Work resumes: the tasks turn Completed and every one gets its result.
    w.clock.now += 61_000;
    await until('every result', async () => (await w.resultsQueue.count()) === w.ids.length, 60_000);
    for (const id of w.ids) expect(regionResultSchema.parse((await w.resultsQueue.getJob(id))?.data).status).toBe('Completed');

    // What the outage wrote: JSON lines only (no stack traces on stderr), one when it started, one
    // when it ended, nothing in between (the reminder comes after a minute).
    const outageLines = parsed(worker.lines.slice(before));
    expect(outageLines.filter((line) => line.level === 'none')).toEqual([]);
    const start = outageLines.findIndex((line) => line.msg === 'Redis connection lost; reconnecting by itself');
    const end = outageLines.findIndex((line) => line.msg === 'Redis connection back');
    expect(outageLines.slice(start, end + 1).map((line) => line.msg)).toEqual([
      'Redis connection lost; reconnecting by itself',
      'Redis connection back',
    ]);
    expect(outageLines[end]).toMatchObject({ level: 'info', downForMs: expect.any(Number), suppressedErrors: expect.any(Number) });
    expect(outageLines.filter((line) => line.msg === 'worker error' || line.msg === 'queue error')).toEqual([]);
  }, 120_000);

  it('SIGTERM while Redis is down: exits within SHUTDOWN_TIMEOUT_MS and says so; another replica finishes its jobs', async () => {
    const w = await world(12);
    // Slow answers keep polls in flight, so the replica holds active jobs when Redis goes away.
    w.simulator.setFaults({ latency: { rate: 1, ms: 300 } });
    const first = await startReplica({ ...w.env, WORKER_CONCURRENCY: '4' });
    await until('jobs in flight', async () => (await w.pollQueue.getActiveCount()) > 0, 20_000);

    await killRedis(w.redis);
    await waitFor('the outage line', lineWith(first, 'Redis connection lost; reconnecting by itself'), 20_000);
    const signalled = Date.now();
    first.process.kill('SIGTERM');
    // Bounded wait: before the fix it never exited at all. The worker's own account (below) is exact.
    const exitCode = await Promise.race([first.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 30_000))]);
    const exitedAfterMs = Date.now() - signalled;
    expect(exitCode, first.lines.slice(-10).join('\n')).toBe(0);
    const lines = parsed(first.lines);
    expect(lines.find((line) => line.msg === 'worker stopping: finishing jobs in flight')).toMatchObject({ redisReachable: false });
    expect(lines.some((line) => line.msg.startsWith('Redis is unreachable at shutdown: handing jobs in flight back'))).toBe(true);
    const stopped = lines.find((line) => line.msg === 'worker stopped');
    expect(stopped).toMatchObject({ drained: false });
    // Its own clock: within the timeout (the process's exit follows at once; the wall clock above
    // includes this machine's scheduling, so it gets a margin).
    expect(stopped?.stoppedAfterMs as number).toBeLessThanOrEqual(SHUTDOWN_TIMEOUT_MS + 100);
    expect(exitedAfterMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 10_000);
    expect(lines.filter((line) => line.level === 'none')).toEqual([]);

    // Redis back on its data: another replica takes the jobs the first held (stalled-job recovery)
    // and finishes every task.
    w.redis = await spawnRedisServer(AOF, w.redis.port, w.redis.dir);
    w.simulator.clearFaults();
    w.clock.now += 61_000;
    await startReplica(w.env);
    await until('every result', async () => (await w.resultsQueue.count()) === w.ids.length, 60_000);
    // A poll job completes just after it hands its result over: wait for the poll queue to settle. Data
    // model v2 removes a poll job when it completes; the finished task is its task record. Settled = every
    // task decided (Completed) and handed to the results queue, and its poll job gone.
    const client = new Redis(w.redis.url);
    cleanups.push(async () => void client.disconnect());
    const records = new TaskRecordStore(client, w.env.REGIONWATCH_PREFIX ?? 'outage');
    const settled = async (id: string) => {
      const record = await records.read(id);
      return record?.body.status === 'Completed' && record.handed.has('results') && (await w.pollQueue.getJob(id)) === undefined;
    };
    await until('every task decided and handed on', async () => (await Promise.all(w.ids.map(settled))).every(Boolean), 30_000);
    expect(await w.pollQueue.getJobCounts('active', 'failed', 'delayed', 'waiting')).toEqual({
      active: 0,
      failed: 0,
      delayed: 0,
      waiting: 0,
    });
  }, 120_000);

  it('SIGTERM while starting against an unreachable Redis: exits at once with a line saying so', async () => {
    const port = await freePort(); // nothing listens there
    // Started like every other worker of the suite (a health port lost to another process is retried on
    // another), but "started" here is its own health server answering not ready.
    const worker = await startWorkerProcess(
      {
        REDIS_URL: `redis://127.0.0.1:${port}`,
        ASPOSE_CLIENT_ID: 'id',
        ASPOSE_CLIENT_SECRET: 'secret',
        LOG_LEVEL: 'info',
      },
      { entry: SOURCE_WORKER, readyzStatus: 503 },
    );
    cleanups.push(async () => {
      if (worker.process.exitCode === null) worker.process.kill('SIGKILL');
      await worker.exited;
    });
    worker.process.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(parsed(worker.lines).map((line) => line.msg)).toContain(
      'signal received while starting: regionwatch-worker exits without having started',
    );
    expect(parsed(worker.lines).filter((line) => line.level === 'none')).toEqual([]);
  }, 60_000);
});
