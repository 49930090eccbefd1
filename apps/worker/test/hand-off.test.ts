import { createLogger, type HandOffTarget, type RegionResult } from '@regionwatch/core';
import { test, type TestRedis } from '@regionwatch/testkit/vitest';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, vi } from 'vitest';
import { createHandOff, webhookQueues, type HandOff } from '../src/index.js';
import { LogCapture } from './support/harness.js';
import { regionResult } from '@regionwatch/testkit';

// The hand-off alone, against a real Redis: what it adds where, with which ids and options, and what it does
// when a job of an earlier decision of the same task is in the way. Expected values are literals from the
// contract (job ids, event types, retention), not read back through the code under test.

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

function world({ url, prefix }: TestRedis) {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const resultsQueue = new Queue('results-a', { connection, prefix });
  const webhookQueue = new Queue('regions-webhooks', { connection, prefix });
  const marked: { taskId: string; chain: string; target: HandOffTarget }[] = [];
  const logs = new LogCapture();
  const handOff: HandOff = createHandOff({
    connection,
    prefix,
    resultsQueue,
    webhookQueues: webhookQueues([webhookQueue]),
    records: { markHanded: async (taskId, chain, target) => marked.push({ taskId, chain, target }) > 0 },
    logger: createLogger({ level: 'debug', destination: logs }),
  });
  closers.push(async () => {
    await handOff.close();
    await Promise.all([resultsQueue.close(), webhookQueue.close()]);
    connection.disconnect();
  });
  return { connection, prefix, resultsQueue, webhookQueue, marked, logs, handOff };
}

function result(taskId: string, status: RegionResult['status'], finishedAt: string): RegionResult {
  const completed = status === 'Completed';
  return regionResult(taskId, {
    status,
    responseStatusCode: completed ? 'Ok' : 'Error',
    errors: completed ? [] : ['bad image'],
    finishedAt,
    polls: 2,
  });
}

/**
 * A consumer of the results queue that takes (locks) the older job right after the hand-off has read its
 * state ('waiting': nobody held it then), so the hand-off's removal that follows is refused.
 */
function consumerTakesAfterStateRead(w: ReturnType<typeof world>, redis: TestRedis): { job?: Awaited<ReturnType<Worker['getNextJob']>> } {
  const consumer = new Worker('results-a', null, { connection: { url: redis.url }, prefix: redis.prefix, lockDuration: 600_000 });
  closers.push(() => consumer.close());
  const taken: { job?: Awaited<ReturnType<Worker['getNextJob']>> } = {};
  const readState = w.resultsQueue.getJobState.bind(w.resultsQueue);
  vi.spyOn(w.resultsQueue, 'getJobState').mockImplementationOnce(async (jobId) => {
    const state = await readState(jobId);
    taken.job = await consumer.getNextJob('consumer-token', { block: false });
    return state;
  });
  return taken;
}

describe('hand-off', () => {
  test('adds the result and one webhook job per destination, with the contract’s ids and options, and marks each handed', async ({
    redis,
  }) => {
    const w = world(redis);
    const r = result('task-a', 'Error', '2026-11-28T10:01:00.000Z');
    const destinations = { results: 'results-a', webhooks: ['https://one.example.com/h', 'https://two.example.com/h'] };
    expect(await w.handOff({ result: r, chain: 'c1', destinations, handed: new Set() })).toEqual({ complete: true });

    const job = await w.resultsQueue.getJob('task-a');
    expect(job?.name).toBe('result');
    expect(job?.data).toEqual(r);
    expect(job?.timestamp).toBe(Date.parse('2026-11-28T10:01:00.000Z'));
    expect(job?.opts).toMatchObject({ removeOnComplete: { age: 3_600 }, removeOnFail: { age: 604_800 } });

    const first = await w.webhookQueue.getJob('task-a');
    const second = await w.webhookQueue.getJob('task-a+1');
    expect(first?.name).toBe('webhook');
    expect(first?.data).toEqual({ url: 'https://one.example.com/h', event: { type: 'regions.failed', timestamp: r.finishedAt, data: r } });
    expect(second?.data).toEqual({ url: 'https://two.example.com/h', event: { type: 'regions.failed', timestamp: r.finishedAt, data: r } });
    expect(first?.opts).toMatchObject({ attempts: 20, backoff: { type: 'regionwatch-webhook' }, removeOnFail: false });
    expect(await w.webhookQueue.getJob('task-a+2')).toBeUndefined();

    expect(w.marked.map((m) => `${m.taskId}/${m.chain}/${m.target}`).sort()).toEqual([
      'task-a/c1/results',
      'task-a/c1/webhook:0',
      'task-a/c1/webhook:1',
    ]);
  });

  test('a completed result’s event is regions.completed; nothing goes to a results queue when there is none', async ({ redis }) => {
    const w = world(redis);
    const r = result('task-b', 'Completed', '2026-11-28T10:02:00.000Z');
    const destinations = { results: null, webhooks: ['https://one.example.com/h'] };
    expect(await w.handOff({ result: r, chain: 'c1', destinations, handed: new Set() })).toEqual({ complete: true });
    expect((await w.webhookQueue.getJob('task-b'))?.data.event.type).toBe('regions.completed');
    expect(await w.resultsQueue.getJob('task-b')).toBeUndefined();
    expect(w.marked.map((m) => m.target)).toEqual(['webhook:0']);
  });

  test('skips the targets the record says were handed, even when their job is gone', async ({ redis }) => {
    const w = world(redis);
    const r = result('task-c', 'Completed', '2026-11-28T10:03:00.000Z');
    const destinations = { results: 'results-a', webhooks: ['https://one.example.com/h', 'https://two.example.com/h'] };
    const handed = new Set<HandOffTarget>(['results', 'webhook:0']);
    expect(await w.handOff({ result: r, chain: 'c1', destinations, handed })).toEqual({ complete: true });
    expect(await w.resultsQueue.getJob('task-c')).toBeUndefined();
    expect(await w.webhookQueue.getJob('task-c')).toBeUndefined();
    expect((await w.webhookQueue.getJob('task-c+1'))?.data.url).toBe('https://two.example.com/h');
    expect(w.marked.map((m) => m.target)).toEqual(['webhook:1']);
  });

  test('a results queue named in the record but not configured is opened for it (and closed with the hand-off)', async ({ redis }) => {
    const w = world(redis);
    const r = result('task-d', 'Completed', '2026-11-28T10:04:00.000Z');
    expect(await w.handOff({ result: r, chain: 'c1', destinations: { results: 'results-b', webhooks: [] }, handed: new Set() })).toEqual({
      complete: true,
    });
    const other = new Queue('results-b', { connection: w.connection, prefix: w.prefix });
    closers.push(() => other.close());
    expect((await other.getJob('task-d'))?.data).toEqual(r);
    expect(await w.resultsQueue.getJob('task-d')).toBeUndefined();
  });

  test('an earlier decision’s waiting job is replaced by this one’s (tracked again after the record expired), and it says so', async ({
    redis,
  }) => {
    const w = world(redis);
    const old = result('task-e', 'Error', '2026-11-27T09:00:00.000Z');
    const destinations = { results: 'results-a', webhooks: ['https://one.example.com/h'] };
    await w.handOff({ result: old, chain: 'c-old', destinations, handed: new Set() });
    const fresh = result('task-e', 'Completed', '2026-11-28T10:05:00.000Z');
    expect(await w.handOff({ result: fresh, chain: 'c-new', destinations, handed: new Set() })).toEqual({ complete: true });
    expect((await w.resultsQueue.getJob('task-e'))?.data).toEqual(fresh);
    expect((await w.webhookQueue.getJob('task-e'))?.data.event.data).toEqual(fresh);
    expect(await w.resultsQueue.getJobCounts('waiting')).toEqual({ waiting: 1 });
    const replaced = w.logs.lines.filter((line) => line.includes('replaced the job of an earlier result of this task'));
    expect(replaced).toHaveLength(2);
    expect(JSON.parse(replaced[0] ?? '{}')).toMatchObject({ taskId: 'task-e', decidedAt: Date.parse(old.finishedAt) });
  });

  test('the same decision handed twice (a crash before the mark) adds nothing twice and keeps the job as it is', async ({ redis }) => {
    const w = world(redis);
    const r = result('task-f', 'Completed', '2026-11-28T10:06:00.000Z');
    const destinations = { results: 'results-a', webhooks: [] };
    await w.handOff({ result: r, chain: 'c1', destinations, handed: new Set() });
    const job = await w.resultsQueue.getJob('task-f');
    await job?.updateProgress(42); // something a consumer did to it: a re-add would reset it
    expect(await w.handOff({ result: r, chain: 'c1', destinations, handed: new Set() })).toEqual({ complete: true });
    expect((await w.resultsQueue.getJob('task-f'))?.progress).toBe(42);
    expect(w.marked.map((m) => m.target)).toEqual(['results', 'results']);
    expect(w.logs.lines.some((line) => line.includes('replaced the job'))).toBe(false);
  });

  test('an earlier decision’s job a consumer holds right now is not replaced: the hand-off waits and says for what', async ({ redis }) => {
    const w = world(redis);
    const old = result('task-g', 'Error', '2026-11-27T09:00:00.000Z');
    const destinations = { results: 'results-a', webhooks: [] };
    await w.handOff({ result: old, chain: 'c-old', destinations, handed: new Set() });
    const consumer = new Worker('results-a', null, { connection: { url: redis.url }, prefix: redis.prefix, lockDuration: 600_000 });
    closers.push(() => consumer.close());
    const taken = await consumer.getNextJob('consumer-token', { block: false });
    expect(taken?.id).toBe('task-g');

    const fresh = result('task-g', 'Completed', '2026-11-28T10:07:00.000Z');
    expect(await w.handOff({ result: fresh, chain: 'c-new', destinations, handed: new Set() })).toEqual({
      complete: false,
      waitingFor: "results-a/task-g (an older result's job, being processed now)",
    });
    expect((await w.resultsQueue.getJob('task-g'))?.data).toEqual(old);
    expect(w.marked.filter((m) => m.chain === 'c-new')).toEqual([]);

    // Once the consumer is done with it, the repeated hand-off replaces it.
    await taken?.moveToCompleted('ok', 'consumer-token', false);
    expect(await w.handOff({ result: fresh, chain: 'c-new', destinations, handed: new Set() })).toEqual({ complete: true });
    expect((await w.resultsQueue.getJob('task-g'))?.data).toEqual(fresh);
    expect(w.marked.filter((m) => m.chain === 'c-new').map((m) => m.target)).toEqual(['results']);
  });
});

// Races and resources: what a consumer (or another replica) does between the hand-off's reads and writes, injected at
// that exact point (the queue's own method runs, then the other party acts), and the queues the hand-off opens itself.
describe('hand-off: an older job changing under it, and the queues it opens', () => {
  const destinations = { results: 'results-a', webhooks: [] };

  test('an older result’s job a consumer locks between the state read and the removal is left to it: the hand-off waits', async ({
    redis,
  }) => {
    const w = world(redis);
    const old = result('task-h', 'Error', '2026-11-27T09:00:00.000Z');
    await w.handOff({ result: old, chain: 'c-old', destinations, handed: new Set() });
    const taken = consumerTakesAfterStateRead(w, redis);

    const fresh = result('task-h', 'Completed', '2026-11-28T10:08:00.000Z');
    expect(await w.handOff({ result: fresh, chain: 'c-new', destinations, handed: new Set() })).toEqual({
      complete: false,
      waitingFor: "results-a/task-h (an older result's job, locked)",
    });
    expect(taken.job?.id).toBe('task-h');
    expect((await w.resultsQueue.getJob('task-h'))?.data).toEqual(old);
    expect(w.marked.filter((m) => m.chain === 'c-new')).toEqual([]);
    expect(w.logs.lines.some((line) => line.includes('replaced the job'))).toBe(false);

    // The consumer finishes; the repeated hand-off then replaces the job with this decision's.
    await taken.job?.moveToCompleted('ok', 'consumer-token', false);
    expect(await w.handOff({ result: fresh, chain: 'c-new', destinations, handed: new Set() })).toEqual({ complete: true });
    expect((await w.resultsQueue.getJob('task-h'))?.data).toEqual(fresh);
    expect(w.marked.filter((m) => m.chain === 'c-new').map((m) => m.target)).toEqual(['results']);
  });

  test('an older result’s job removed by someone else between the state read and the removal: this decision’s job goes in at once', async ({
    redis,
  }) => {
    const w = world(redis);
    const old = result('task-i', 'Error', '2026-11-27T09:00:00.000Z');
    await w.handOff({ result: old, chain: 'c-old', destinations, handed: new Set() });
    const readState = w.resultsQueue.getJobState.bind(w.resultsQueue);
    const cleaner = new Queue('results-a', { connection: { url: redis.url }, prefix: redis.prefix }); // Bull Board's "clean", say
    closers.push(() => cleaner.close());
    vi.spyOn(w.resultsQueue, 'getJobState').mockImplementationOnce(async (jobId) => {
      const state = await readState(jobId);
      expect(await cleaner.remove('task-i')).toBe(1);
      return state;
    });

    const fresh = result('task-i', 'Completed', '2026-11-28T10:09:00.000Z');
    expect(await w.handOff({ result: fresh, chain: 'c-new', destinations, handed: new Set() })).toEqual({ complete: true });
    expect((await w.resultsQueue.getJob('task-i'))?.data).toEqual(fresh);
    expect(w.marked.filter((m) => m.chain === 'c-new').map((m) => m.target)).toEqual(['results']);
  });

  test('its consumer finishing and removing the older job between the refused removal and the EXISTS check: no wait', async ({ redis }) => {
    const w = world(redis);
    const old = result('task-n', 'Error', '2026-11-27T09:00:00.000Z');
    await w.handOff({ result: old, chain: 'c-old', destinations, handed: new Set() });
    const taken = consumerTakesAfterStateRead(w, redis);
    const exists = w.connection.exists.bind(w.connection);
    vi.spyOn(w.connection, 'exists').mockImplementationOnce((async (...keys: string[]) => {
      await taken.job?.moveToCompleted('ok', 'consumer-token', false); // … and it is done with it, and removes it
      await taken.job?.remove();
      return exists(...keys);
    }) as typeof w.connection.exists);

    const fresh = result('task-n', 'Completed', '2026-11-28T10:14:00.000Z');
    expect(await w.handOff({ result: fresh, chain: 'c-new', destinations, handed: new Set() })).toEqual({ complete: true });
    expect(taken.job?.id).toBe('task-n');
    expect((await w.resultsQueue.getJob('task-n'))?.data).toEqual(fresh);
    expect(w.marked.filter((m) => m.chain === 'c-new').map((m) => m.target)).toEqual(['results']);
  });

  test('another replica handing the same decision right after this one removed the older job: both complete, one job', async ({
    redis,
  }) => {
    const w = world(redis);
    const other = world(redis); // a second replica: its own connection and queues, the same Redis and prefix
    const old = result('task-k', 'Error', '2026-11-27T09:00:00.000Z');
    await w.handOff({ result: old, chain: 'c-old', destinations, handed: new Set() });
    const fresh = result('task-k', 'Completed', '2026-11-28T10:10:00.000Z');
    const remove = w.resultsQueue.remove.bind(w.resultsQueue);
    let otherOutcome: unknown;
    vi.spyOn(w.resultsQueue, 'remove').mockImplementationOnce(async (jobId) => {
      const removed = await remove(jobId);
      otherOutcome = await other.handOff({ result: fresh, chain: 'c-new', destinations, handed: new Set() });
      return removed;
    });

    expect(await w.handOff({ result: fresh, chain: 'c-new', destinations, handed: new Set() })).toEqual({ complete: true });
    expect(otherOutcome).toEqual({ complete: true });
    expect((await w.resultsQueue.getJob('task-k'))?.data).toEqual(fresh);
    expect(await w.resultsQueue.getJobCounts('waiting')).toEqual({ waiting: 1 });
  });

  test('every target that has to wait is named in waitingFor, results first, then each webhook in order', async ({ redis }) => {
    const w = world(redis);
    const both = { results: 'results-a', webhooks: ['https://one.example.com/h'] };
    const old = result('task-j', 'Error', '2026-11-27T09:00:00.000Z');
    await w.handOff({ result: old, chain: 'c-old', destinations: both, handed: new Set() });
    for (const queue of ['results-a', 'regions-webhooks']) {
      const consumer = new Worker(queue, null, { connection: { url: redis.url }, prefix: redis.prefix, lockDuration: 600_000 });
      closers.push(() => consumer.close());
      expect((await consumer.getNextJob(`token-${queue}`, { block: false }))?.id).toBe('task-j');
    }
    const fresh = result('task-j', 'Completed', '2026-11-28T10:11:00.000Z');
    expect(await w.handOff({ result: fresh, chain: 'c-new', destinations: both, handed: new Set() })).toEqual({
      complete: false,
      waitingFor: [
        "results-a/task-j (an older result's job, being processed now)",
        "regions-webhooks/task-j (an older result's job, being processed now)",
      ].join(', '),
    });
  });

  test('a queue it was given is used as it is; a queue it opens for a record is opened once and closed by close()', async ({ redis }) => {
    const w = world(redis);
    // Each BullMQ Queue on the shared connection listens on it: the count says how many queues are open on it.
    const listening = () => w.connection.listenerCount('error');
    await Promise.all([w.resultsQueue.waitUntilReady(), w.webhookQueue.waitUntilReady()]); // a connecting queue listens once more
    const base = listening();
    const handTo = (taskId: string, results: string) =>
      w.handOff({
        result: result(taskId, 'Completed', '2026-11-28T10:12:00.000Z'),
        chain: 'c1',
        destinations: { results, webhooks: [] },
        handed: new Set(),
      });

    await handTo('task-l1', 'results-a'); // the configured results queue
    await handTo('task-l2', 'regions-webhooks'); // a record naming the webhook queue it was given
    expect(listening()).toBe(base);
    await handTo('task-l3', 'results-b');
    await handTo('task-l4', 'results-b');
    await handTo('task-l5', 'results-b');
    expect(listening()).toBe(base + 1);
    await w.handOff.close();
    expect(listening()).toBe(base);
  });

  test('an error of a queue it opened is logged at debug level with the queue’s name, not thrown', async ({ redis }) => {
    const w = world(redis);
    // The caller's own queues listen for errors too (an 'error' event nobody listens to throws).
    w.resultsQueue.on('error', () => undefined);
    w.webhookQueue.on('error', () => undefined);
    await w.handOff({
      result: result('task-m', 'Completed', '2026-11-28T10:13:00.000Z'),
      chain: 'c1',
      destinations: { results: 'results-b', webhooks: [] },
      handed: new Set(),
    });
    w.connection.emit('error', new Error('connection reset (injected)'));
    const logged = w.logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['queue'] === 'results-b');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'debug', err: { message: 'connection reset (injected)' } });
    expect(logged[0]?.['msg']).toMatch(/error/);
  });
});
