import { decodeRegions, regionResultSchema, type RegionResult } from '@regionwatch/core';
import { encodeRectangles } from '@regionwatch/simulator';
import { WebhookReceiver } from '@regionwatch/testkit';
import { test } from '@regionwatch/testkit/vitest';
import { describe, expect } from 'vitest';
import { createHarness, WEBHOOK_SECRET, type Harness } from './support/harness.js';

// The edges of real operation (issue 9), end to end: a worker against the simulator and real Redis.

/** GETs of `taskId` the simulator received since index `from` of its request log. */
function getsOf(h: Harness, taskId: string, from = 0): number {
  return h.simulator
    .requestLog()
    .slice(from)
    .filter((entry) => entry.endpoint === 'get' && entry.taskId === taskId).length;
}

/**
 * What 25 hours do to a finished task's duplicate window: it expires. Today that is the task record;
 * before it, the completed poll job and the hand-off's deduplication keys.
 */
async function ageOut(h: Harness, taskId: string): Promise<void> {
  const prefix = h.config.REGIONWATCH_PREFIX;
  await h.pollQueue.remove(taskId);
  await h.connection.del(
    `${prefix}:regions-poll:${taskId}:task`,
    `${prefix}:regions-results:de:${taskId}`,
    `${prefix}:regions-webhooks:de:${taskId}`,
  );
}

describe('a glitch never ends a task', () => {
  test('an HTML page served with 200 to every request for a spell longer than three tries ends no task; all complete after', async ({
    redis,
  }) => {
    const h = await createHarness(redis, { env: { POLL_INITIAL_DELAY_MS: '20', POLL_MAX_DELAY_MS: '60' } });
    try {
      const rectangles = (i: number) => [[[i, i, i + 10, i + 20]]];
      const ids = Array.from({ length: 8 }, (_, i) =>
        h.simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed', rectangles: rectangles(i) } }),
      );
      const worker = await h.startWorker();
      h.simulator.setFaults({ nonJsonRate: 1 }); // a maintenance page, with 200
      const spellStart = h.simulator.requestLog().length;
      await h.producer.trackMany(ids);
      // Every task is answered the page at least five times (today's limit was three)...
      await h.waitFor(
        'five unreadable answers per task',
        () => (ids.every((id) => getsOf(h, id, spellStart) >= 5) ? true : undefined),
        30_000,
      );
      // ...and none has ended.
      expect(await h.resultsQueue.count()).toBe(0);
      const metrics = await (await fetch(`http://127.0.0.1:${worker.healthPort}/metrics`)).text();
      // Every series carries the default `prefix` label: read this harness's series exactly.
      const invalidSeries = `regionwatch_polls_total{outcome="invalid_response",prefix="${h.config.REGIONWATCH_PREFIX}"} `;
      const invalidLine = metrics.split('\n').find((line) => line.startsWith(invalidSeries));
      expect(Number(invalidLine?.slice(invalidSeries.length))).toBeGreaterThanOrEqual(40);
      const ready = (await (await fetch(`http://127.0.0.1:${worker.healthPort}/readyz`)).json()) as { reasons: string[] };
      expect(ready.reasons.join()).toMatch(/aspose_invalid_response/);
      h.simulator.clearFaults();
      for (const [i, taskId] of ids.entries()) {
        const result = regionResultSchema.parse(await h.result(taskId));
        expect(result.status).toBe('Completed');
        expect(result.regions).toEqual(decodeRegions([{ data: encodeRectangles(rectangles(i)[0] ?? []) }]));
      }
      const spells = h.logs.lines.filter((line) => line.includes('Aspose answers what we cannot read'));
      expect(spells).toHaveLength(1); // logged once per spell, not once per answer
    } finally {
      await h.close();
    }
  }, 60_000);
});

describe('tracking a task again never drops its result', () => {
  test('after its duplicate window aged out (25 h): a new chain polls; its result reaches the results queue and the new webhook', async ({
    redis,
  }) => {
    const h = await createHarness(redis);
    const second = await new WebhookReceiver(WEBHOOK_SECRET).start();
    try {
      await h.startWorker();
      const taskId = h.simulator.createTask({
        pendingMs: 0,
        processingMs: 0,
        outcome: { status: 'Completed', rectangles: [[[1, 2, 3, 4]]] },
      });
      expect(await h.producer.track(taskId, { webhookUrl: h.receiver.url })).toEqual({ taskId, created: true });
      const first = await h.result(taskId);
      await h.waitFor('first webhook', () => h.receiver.accepted.get(taskId));
      await ageOut(h, taskId); // the first results job is still there, never consumed; so is the webhook job
      expect(await h.producer.track(taskId, { webhookUrl: second.url })).toEqual({ taskId, created: true });
      const delivered = await h.waitFor('the new webhook', () => second.accepted.get(taskId), 20_000);
      const data = (delivered.body as { data: RegionResult }).data;
      expect(data.finishedAt).not.toBe(first.finishedAt);
      expect(data.regions).toEqual([{ left: 1, top: 2, right: 3, bottom: 4 }]);
      const latest = await h.waitFor('the new result in the results queue', async () => {
        const job = await h.resultsQueue.getJob(taskId);
        return job && (job.data as RegionResult).finishedAt !== first.finishedAt ? (job.data as RegionResult) : undefined;
      });
      expect(latest).toEqual(data);
    } finally {
      await second.close();
      await h.close();
    }
  });

  test('after the finished poll job was cleaned by hand: re-tracking is a duplicate while the result is recent', async ({ redis }) => {
    const h = await createHarness(redis);
    try {
      await h.startWorker();
      const taskId = h.simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Error', messages: ['bad image'] } });
      await h.producer.track(taskId, { webhookUrl: h.receiver.url });
      await h.result(taskId);
      await h.waitFor('webhook', () => h.receiver.accepted.get(taskId));
      await h.pollQueue.clean(0, 1_000, 'completed'); // Bull Board's "clean"
      await h.pollQueue.remove(taskId);
      const again = await h.producer.track(taskId, { webhookUrl: h.receiver.url });
      expect(again).toEqual({ taskId, created: false });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(h.simulator.taskState(taskId)?.polls).toBe(1);
    } finally {
      await h.close();
    }
  });
});

describe('bounded state', () => {
  test('a job hash whose data is not JSON fails clearly within one stall interval, and the worker carries on', async ({ redis }) => {
    const h = await createHarness(redis, { env: { WORKER_LOCK_DURATION_MS: '30000' } });
    try {
      await h.startWorker();
      const taskId = 'corrupt-data-1';
      await h.pollQueue.add('poll', { taskId }, { jobId: taskId, delay: 60_000 });
      await h.connection.hset(h.pollQueue.toKey(taskId), 'data', '{"taskId": "corrupt-data-1", oops');
      await h.pollQueue.promoteJobs(); // getJob would throw on it: BullMQ cannot read the job either
      // Well inside one stall interval (30 s): stall recovery would only bring it back after that.
      await h.waitFor('failed', async () => ((await h.pollQueue.getJobState(taskId)) === 'failed' ? true : undefined), 10_000);
      const reason = await h.connection.hget(h.pollQueue.toKey(taskId), 'failedReason');
      expect(reason).toMatch(/^the job's data field is not JSON, so no worker can read the job/);
      expect(await h.connection.hget(h.pollQueue.toKey(taskId), 'unreadable:data')).toBe('{"taskId": "corrupt-data-1", oops');
      const good = h.simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed' } });
      await h.producer.track(good);
      expect((await h.result(good)).status).toBe('Completed');
      expect(h.logs.lines.filter((line) => line.includes('"worker error"')).length).toBeLessThanOrEqual(2);
    } finally {
      await h.close();
    }
  }, 30_000);

  test('an unconsumed results queue: backlog gauge, /readyz results_backlog and one warning past RESULTS_BACKLOG_WARN', async ({
    redis,
  }) => {
    const h = await createHarness(redis, { env: { RESULTS_BACKLOG_WARN: '3' } });
    try {
      const worker = await h.startWorker();
      const ids = Array.from({ length: 5 }, () =>
        h.simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'NotExist' } }),
      );
      await h.producer.trackMany(ids);
      await h.waitFor('every result', async () => ((await h.resultsQueue.count()) === 5 ? true : undefined));
      const base = `http://127.0.0.1:${worker.healthPort}`;
      // The gauge is read at most once per scrape interval (a scrape may answer the previous reading): wait for 5.
      const gauge = `regionwatch_results_backlog_jobs{prefix="${h.config.REGIONWATCH_PREFIX}"} 5`;
      await h.waitFor('the backlog gauge at 5', async () =>
        (await (await fetch(`${base}/metrics`)).text()).split('\n').includes(gauge) ? true : undefined,
      );
      const ready = await h.waitFor(
        'not ready: results_backlog',
        async () => {
          const answer = (await (await fetch(`${base}/readyz`)).json()) as { reasons: string[] };
          return answer.reasons.some((r) => r.startsWith('results_backlog')) ? answer : undefined;
        },
        20_000,
      );
      expect(ready.reasons.join()).toMatch(/results_backlog: 5 results wait in regions-results \(RESULTS_BACKLOG_WARN is 3\)/);
      expect(h.logs.lines.filter((line) => line.includes('the results queue is not being consumed fast enough'))).toHaveLength(1);
    } finally {
      await h.close();
    }
  });
});
