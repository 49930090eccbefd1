// Redis full under `maxmemory-policy noeviction` (issue 17 §5): a Redis of its own whose maxmemory is
// dropped below what it holds, so every write is refused, with a worker polling and a producer
// tracking; then memory is freed. Producers get a clear error, the worker keeps what it has (no job
// lost, none failed for good, job data intact), the log says so once, and work resumes.
import { RedisFullError, regionResultSchema, TaskRecordStore } from '@regionwatch/core';
import { spawnRedisServer, until } from '@regionwatch/testkit';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './support/harness.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

const FULL_LINE =
  'Redis refuses writes: it is full (maxmemory reached, noeviction). Free memory or raise maxmemory; see docs/operations.md';

describe('a full Redis (maxmemory reached, noeviction)', () => {
  it('refuses new tasks with RedisFullError, loses nothing the worker holds, says so once, and recovers', async () => {
    const server = await spawnRedisServer(); // noeviction, as the README asks
    cleanups.push(() => server.stop());
    const admin = new Redis(server.url);
    cleanups.push(async () => admin.disconnect());
    const clock = { now: Date.now() };
    const h: Harness = await createHarness({ url: server.url, prefix: 'full' }, { simulator: { now: () => clock.now } });
    cleanups.push(() => h.close());
    const ids = Array.from({ length: 5 }, () =>
      h.simulator.createTask({ pendingMs: 60_000, processingMs: 0, outcome: { status: 'Completed' } }),
    );
    await h.startWorker();
    for (const id of ids) await h.producer.track(id);
    await until('every task polled twice', () => ids.every((id) => (h.simulator.taskState(id)?.polls ?? 0) >= 2), 20_000);

    // Full: maxmemory below what Redis holds, so every write is refused from now on.
    const used = Number(/^used_memory:(\d+)/m.exec(await admin.info('memory'))?.[1]);
    await admin.config('SET', 'maxmemory', String(Math.floor(used / 2)));

    // A producer is told, clearly; nothing of that call was written.
    const refused = h.producer.track('5f0c2a1e-0000-4000-8000-000000000001');
    await expect(refused).rejects.toBeInstanceOf(RedisFullError);
    await expect(refused).rejects.toMatchObject({ code: 'REDIS_FULL' });
    expect(await h.pollQueue.getJob('5f0c2a1e-0000-4000-8000-000000000001')).toBeUndefined();

    // The worker runs into it too (its next poll's re-delay is refused) and says so.
    const parsed = () => h.logs.lines.map((line) => JSON.parse(line) as { msg: string; level: number });
    await until('the full line', () => parsed().some((line) => line.msg === FULL_LINE), 20_000);
    const pollsWhenFull = ids.map((id) => h.simulator.taskState(id)?.polls ?? 0);
    await until(
      'a few more polls refused',
      () => ids.some((id, i) => (h.simulator.taskState(id)?.polls ?? 0) >= (pollsWhenFull[i] ?? 0) + 2),
      20_000,
    );

    // Memory back (as an operator would: raise maxmemory or free it); the tasks complete.
    await admin.config('SET', 'maxmemory', '0');
    clock.now += 61_000;
    await until('every result', async () => (await h.resultsQueue.count()) === ids.length, 60_000);
    for (const id of ids) expect(regionResultSchema.parse((await h.resultsQueue.getJob(id))?.data).status).toBe('Completed');
    // Data model v2: a poll job is removed when it completes; the finished task is its task record. Settled =
    // every task decided (Completed) and handed to the results queue, and its poll job gone.
    const records = new TaskRecordStore(h.connection, 'full');
    const settled = async (id: string) => {
      const record = await records.read(id);
      return record?.body.status === 'Completed' && record.handed.has('results') && (await h.pollQueue.getJob(id)) === undefined;
    };
    await until('every task decided and handed on', async () => (await Promise.all(ids.map(settled))).every(Boolean), 30_000);
    expect(await h.pollQueue.getJobCounts('failed', 'active', 'waiting', 'delayed')).toEqual({
      failed: 0,
      active: 0,
      waiting: 0,
      delayed: 0,
    });
    // And a producer works again.
    await expect(h.producer.track('5f0c2a1e-0000-4000-8000-000000000001')).resolves.toMatchObject({ created: true });

    // The log: the spell once (reminders come a minute apart), never a line per refused write.
    const lines = parsed();
    expect(lines.filter((line) => line.msg === FULL_LINE)).toHaveLength(1);
    const noisy = lines.filter((line) => line.msg === 'worker error' || line.msg === 'queue error');
    expect(noisy, JSON.stringify(noisy.slice(0, 3))).toEqual([]);
  }, 180_000);
});
