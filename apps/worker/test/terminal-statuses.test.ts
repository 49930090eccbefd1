import { regionResultSchema, resultFromRecord, TaskRecordStore, type RegionResult, webhookEventSchema } from '@regionwatch/core';
import { encodeRectangles } from '@regionwatch/simulator';
import { test } from '@regionwatch/testkit/vitest';
import { afterAll, describe, expect } from 'vitest';
import type { RunningWorker } from '../src/index.js';
import { createHarness, WEBHOOK_SECRET, type Harness } from './support/harness.js';

let h: Harness;
let worker: RunningWorker;
test.beforeAll(async ({ fileRedis }) => {
  h = await createHarness(fileRedis, { env: { ASPOSE_INVALID_GRACE_MS: '300' } });
  worker = await h.startWorker({ WEBHOOK_URL: h.receiver.url });
});
afterAll(() => h.close());

/** Tracks a scripted task and returns its result from the results queue, checked against the contract schema. */
async function run(script: Parameters<Harness['simulator']['createTask']>[0], metadata?: Record<string, string>): Promise<RegionResult> {
  const taskId = h.simulator.createTask(script);
  const submittedAt = new Date(Date.now() - 1_000);
  expect(await h.producer.track(taskId, { submittedAt, ...(metadata ? { metadata } : {}) })).toEqual({ taskId, created: true });
  const result = regionResultSchema.parse(await h.result(taskId));
  expect(result.taskId).toBe(taskId);
  expect(result.submittedAt).toBe(submittedAt.toISOString());
  expect(Date.parse(result.finishedAt)).toBeGreaterThan(submittedAt.getTime());
  expect(result.metadata).toEqual(metadata ?? {});
  return result;
}

/** The verified webhook the receiver accepted for the task. */
async function webhookFor(taskId: string) {
  const delivery = await h.waitFor(`webhook ${taskId}`, () => h.receiver.accepted.get(taskId));
  expect(delivery.verified).toBe(true);
  expect(delivery.headers['content-type']).toBe('application/json');
  return webhookEventSchema.parse(delivery.body);
}

describe('every terminal status, end to end', () => {
  test('Completed: rectangles decoded in order across items, warnings and raw items kept', async () => {
    const rectangles = [
      [
        [0, 8, 697, 441],
        [10, 20, 30, 40],
      ],
      [[5, 5, 6, 6]],
    ];
    const result = await run({ outcome: { status: 'Completed', rectangles, warnings: ['low contrast'] } }, { customer: 'acme', page: '1' });
    expect(result.status).toBe('Completed');
    expect(result.regions).toEqual([
      { left: 0, top: 8, right: 697, bottom: 441 },
      { left: 10, top: 20, right: 30, bottom: 40 },
      { left: 5, top: 5, right: 6, bottom: 6 },
    ]);
    expect(result.results).toEqual(rectangles.map((r) => ({ type: 'Other', data: encodeRectangles(r) })));
    expect(result.responseStatusCode).toBe('Ok');
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual(['low contrast']);
    expect(result.polls).toBeGreaterThanOrEqual(1);

    const event = await webhookFor(result.taskId);
    expect(event.type).toBe('regions.completed');
    expect(event.data).toEqual(result);
    expect(event.timestamp).toBe(result.finishedAt);
  });

  test('Error: Aspose messages become errors, no regions', async () => {
    const result = await run({ outcome: { status: 'Error', messages: ['Image is corrupted'], warnings: ['w1'] } });
    expect(result).toMatchObject({
      status: 'Error',
      regions: [],
      errors: ['Image is corrupted'],
      warnings: ['w1'],
      responseStatusCode: 'Error',
    });
    const event = await webhookFor(result.taskId);
    expect(event.type).toBe('regions.failed');
    expect(event.data.status).toBe('Error');
  });

  test('NotExist: ends after one poll with Aspose status code', async () => {
    const result = await run({ outcome: { status: 'NotExist' } });
    expect(result).toMatchObject({ status: 'NotExist', regions: [], results: [], polls: 1, responseStatusCode: 'TaskNotFound' });
    expect((await webhookFor(result.taskId)).type).toBe('regions.failed');
  });

  test('Malformed: a Completed item that is not base64 rectangles keeps the raw items and says which', async () => {
    const good = encodeRectangles([[1, 1, 2, 2]]);
    const result = await run({
      outcome: {
        status: 'Completed',
        rawResults: [
          { type: 'Other', data: good },
          { type: 'Other', data: 'bm90IGpzb24=' },
        ],
      },
    });
    expect(result.status).toBe('Malformed');
    expect(result.regions).toEqual([]);
    expect(result.results).toEqual([
      { type: 'Other', data: good },
      { type: 'Other', data: 'bm90IGpzb24=' },
    ]);
    expect(result.errors).toEqual(['result item 1: decoded text is not JSON: "not json"']);
    expect((await webhookFor(result.taskId)).type).toBe('regions.failed');
  });

  test('Malformed: Aspose keeps answering an unknown taskStatus for longer than ASPOSE_INVALID_GRACE_MS', async () => {
    const result = await run({ rawBody: '{"id":"x","taskStatus":"Exploded","results":[]}' });
    expect(result.status).toBe('Malformed');
    expect(result.polls).toBeGreaterThanOrEqual(2);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(
      new RegExp(
        '^Aspose answered \\d+ unreadable bodies over \\d+ ms \\(ASPOSE_INVALID_GRACE_MS is 300\\); ' +
          'last: Aspose answered an unknown taskStatus "Exploded" for task',
      ),
    );
  });

  test('Expired: past the deadline the task ends after one last GET', async () => {
    const taskId = h.simulator.createTask({ pendingMs: 60_000 });
    const submittedAt = new Date(Date.now() - 86_400_000 - 5_000);
    await h.producer.track(taskId, { submittedAt });
    const result = regionResultSchema.parse(await h.result(taskId));
    expect(result).toMatchObject({
      status: 'Expired',
      regions: [],
      polls: 1,
      submittedAt: submittedAt.toISOString(),
      responseStatusCode: null,
    });
    expect(result.errors[0]).toMatch(
      /no terminal status within TASK_DEADLINE_MS \(86400000 ms\) of submittedAt; last status seen: Pending/,
    );
    expect(h.simulator.taskState(taskId)?.polls).toBe(1);
    expect((await webhookFor(taskId)).type).toBe('regions.failed');
  });

  test('records the decision and the poll history in the task record; the finished poll job is removed', async () => {
    // Counted in polls, not time: a clock-driven Pending/Processing phase of 60 ms each can be over before the
    // first poll on a loaded machine (then the history is only `Completed`).
    const taskId = h.simulator.createTask({ notReadyPolls: 2, outcome: { status: 'Completed', rectangles: [[[1, 2, 3, 4]]] } });
    await h.producer.track(taskId);
    const result = await h.result(taskId);
    const records = new TaskRecordStore(h.connection, h.config.REGIONWATCH_PREFIX);
    const record = await h.waitFor('the record, handed on', async () => {
      const r = await records.read(taskId);
      return r?.handed.has('results') ? r : undefined;
    });
    expect(resultFromRecord(taskId, record.body)).toEqual(result);
    expect(record.body.history).toEqual([
      { status: 'Pending', count: 2 },
      { status: 'Completed', count: 1 },
    ]);
    expect(result.polls).toBe(3);
    expect(h.simulator.taskState(taskId)?.polls).toBe(3);
    await h.waitFor('the poll job removed', async () => ((await h.pollQueue.getJob(taskId)) ? undefined : true));
  });
});

describe('logs', () => {
  test('say one line per finished task with its id, and never a token or secret', async () => {
    const taskId = h.simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed' } });
    await h.producer.track(taskId);
    await h.result(taskId);
    await h.waitFor('webhook', () => h.receiver.accepted.get(taskId));
    const parse = () => h.logs.lines.map((line) => JSON.parse(line) as { msg: string; taskId?: string; status?: string });
    // Both lines follow what they log (the hand-off, the delivery): they may come a moment after the test saw it.
    const logged = (msg: string) => parse().some((l) => l.msg === msg && l.taskId === taskId);
    await h.waitFor('both lines', () => (logged('task finished') && logged('webhook delivered') ? true : undefined));
    const lines = parse();
    const finished = lines.filter((l) => l.msg === 'task finished' && l.taskId === taskId);
    expect(finished).toHaveLength(1);
    // A count is called one (the regions themselves are in the result, never in a log line).
    const regionCount = (await h.result(taskId)).regions.length;
    expect(finished[0]).toMatchObject({ regionCount });
    expect(finished[0]).not.toHaveProperty('regions');
    expect(lines.filter((l) => l.msg === 'webhook delivered' && l.taskId === taskId)).toHaveLength(1);

    const text = h.logs.lines.join('\n');
    expect(text).not.toContain(WEBHOOK_SECRET);
    expect(text).not.toContain(WEBHOOK_SECRET.slice('whsec_'.length));
    expect(text).not.toContain(h.simulator.credentials.clientSecret);
    expect(text).not.toContain(await worker.aspose.tokens.getToken()); // the token this worker used all along
    expect(text).not.toMatch(/Bearer [A-Za-z0-9]/);
  });
});
