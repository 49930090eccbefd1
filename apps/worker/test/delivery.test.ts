import { createLogger, JOB_NAMES, POLL_QUEUE, recordBodyFor, resultFromRecord, TaskRecordStore } from '@regionwatch/core';
import { Queue, Worker } from 'bullmq';
import { test } from '@regionwatch/testkit/vitest';
import { afterAll, describe, expect } from 'vitest';
import { createHandOff, webhookQueues } from '../src/index.js';
import { createHarness, type Harness } from './support/harness.js';
import { regionResult } from '@regionwatch/testkit';

let h: Harness;
test.beforeAll(async ({ fileRedis }) => {
  h = await createHarness(fileRedis);
  await h.startWorker();
});
afterAll(() => h.close());

describe('delivery and dedupe', () => {
  test('a duplicate track makes one poll chain and one delivery', async () => {
    const taskId = h.simulator.createTask({
      pendingMs: 100,
      processingMs: 50,
      outcome: { status: 'Completed', rectangles: [[[1, 2, 3, 4]]] },
    });
    const results = await Promise.all([
      h.producer.track(taskId, { webhookUrl: h.receiver.url }),
      h.producer.track(taskId, { webhookUrl: h.receiver.url }),
    ]);
    expect(results.map((r) => r.created).sort()).toEqual([false, true]);
    await h.waitFor('delivery', () => h.receiver.accepted.get(taskId));
    const result = await h.result(taskId);
    // Re-tracking a finished task (within 24 h) is a duplicate, not a second poll chain.
    expect(await h.producer.track(taskId)).toEqual({ taskId, created: false });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.receiver.attempts.filter((a) => a.id === taskId)).toHaveLength(1);
    expect(h.simulator.taskState(taskId)?.polls).toBe(result.polls);
    expect(await h.resultsQueue.getJobCounts('waiting', 'completed', 'delayed')).toMatchObject({ waiting: expect.any(Number) });
  });

  test('job data written wrongly by another language fails that job clearly and the worker carries on', async () => {
    const raw = new Queue(POLL_QUEUE, { connection: { url: h.env.REDIS_URL }, prefix: h.config.REGIONWATCH_PREFIX });
    try {
      await raw.add(JOB_NAMES.poll, { taskId: 12, metadata: 'oops' }, { jobId: 'bad-from-python' });
      await raw.add(JOB_NAMES.poll, { task_id: 'snake-case-is-wrong' }, { jobId: 'bad-from-ruby' });
      for (const id of ['bad-from-python', 'bad-from-ruby']) {
        await h.waitFor(`failed ${id}`, async () => ((await raw.getJobState(id)) === 'failed' ? true : undefined));
      }
      expect((await raw.getJob('bad-from-python'))?.failedReason).toMatch(/^invalid PollJob data \(taskId: must be a string; metadata: /);
      expect((await raw.getJob('bad-from-ruby'))?.failedReason).toMatch(/^invalid PollJob data \(taskId: must be a string/);
      // A well-formed job written the same way (no submittedAt, no delay) still works.
      const taskId = h.simulator.createTask({
        pendingMs: 0,
        processingMs: 0,
        outcome: { status: 'Completed', rectangles: [[[0, 0, 1, 1]]] },
      });
      await raw.add(JOB_NAMES.poll, { taskId }, { jobId: taskId });
      expect((await h.result(taskId)).status).toBe('Completed');
    } finally {
      await raw.close();
    }
  });

  test('repeating a hand-off after the consumer already took (and removed) the result delivers nothing twice', async () => {
    const prefix = h.config.REGIONWATCH_PREFIX;
    const resultsQueue = new Queue('handoff-results', { connection: h.connection, prefix });
    const webhookQueue = new Queue('handoff-webhooks', { connection: h.connection, prefix });
    const consumed: string[] = [];
    const consumer = new Worker('handoff-results', async (job) => void consumed.push(String(job.id)), {
      connection: { url: h.env.REDIS_URL },
      prefix,
    });
    const records = new TaskRecordStore(h.connection, prefix);
    const handOff = createHandOff({
      connection: h.connection,
      prefix,
      resultsQueue,
      webhookQueues: webhookQueues([webhookQueue]),
      records,
      logger: createLogger({ level: 'silent' }),
    });
    try {
      const now = new Date().toISOString();
      const result = regionResult('handoff-1', { submittedAt: now, finishedAt: now });
      const destinations = { results: 'handoff-results', webhooks: ['https://hooks.example.com/x'] };
      // The record the processor writes when it decides (lock-checked); here the job's lock is faked.
      await h.connection.set(`${prefix}:regions-poll:handoff-1:lock`, 'token');
      const body = recordBodyFor(result, [], destinations);
      expect(await records.decide({ taskId: 'handoff-1', token: 'token', chain: 'c1', body, progressJson: '{}' })).toEqual({
        kind: 'written',
        extraWebhooks: [],
      });
      expect(await handOff({ result, chain: 'c1', destinations, handed: new Set() })).toEqual({ complete: true });
      await h.waitFor('consumed', async () =>
        consumed.length === 1 && (await resultsQueue.getJobState('handoff-1')) === 'completed' ? true : undefined,
      );
      await resultsQueue.remove('handoff-1'); // a consumer that removes what it took
      // The re-run after a crash: it reads the record again, which says both targets were handed.
      const again = await records.read('handoff-1');
      expect([...(again?.handed ?? [])].sort()).toEqual(['results', 'webhook:0']);
      expect(await handOff({ result, chain: 'c1', destinations, handed: again?.handed ?? new Set() })).toEqual({ complete: true });
      // Even a re-run that does not know (a crash between an add and its mark) adds nothing twice:
      // the job that is there has this decision's timestamp.
      expect(
        await handOff({ result, chain: 'c1', destinations: { results: null, webhooks: destinations.webhooks }, handed: new Set() }),
      ).toEqual({
        complete: true,
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(consumed).toEqual(['handoff-1']);
      expect(await webhookQueue.getJobCounts('waiting')).toEqual({ waiting: 1 });
    } finally {
      await consumer.close();
      await handOff.close();
      await Promise.all([resultsQueue.close(), webhookQueue.close()]);
    }
  });
});

describe('RESULTS_QUEUE=""', () => {
  test('delivers by webhook only; the task record keeps the result', async ({ redis }) => {
    const other = await createHarness(redis, { env: { RESULTS_QUEUE: '' } });
    try {
      await other.startWorker();
      const taskId = other.simulator.createTask({
        pendingMs: 0,
        processingMs: 0,
        outcome: { status: 'Completed', rectangles: [[[1, 2, 3, 4]]] },
      });
      await other.producer.track(taskId, { webhookUrl: other.receiver.url });
      const delivered = await other.waitFor('webhook', () => other.receiver.accepted.get(taskId));
      const record = await new TaskRecordStore(other.connection, other.config.REGIONWATCH_PREFIX).read(taskId);
      expect(record?.body.destinations).toEqual({ results: null, webhooks: [other.receiver.url] });
      const result = resultFromRecord(taskId, record?.body ?? ({} as never));
      expect(result).toMatchObject({ taskId, status: 'Completed', regions: [{ left: 1, top: 2, right: 3, bottom: 4 }] });
      expect((delivered.body as { data: unknown }).data).toEqual(result);
      expect(await other.resultsQueue.count()).toBe(0); // nothing went to a results queue
    } finally {
      await other.close();
    }
  });
});
