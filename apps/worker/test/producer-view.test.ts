// The upstream service's view of a task (issue 18), across two processes: the producer runs here, the
// worker in a child process (its sources, exactly `npm run worker`), both on the test's Redis and the
// Aspose simulator. The worker polls once soon after tracking (the producer's 20 ms first delay), then
// only after an hour (POLL_INITIAL_DELAY_MS/POLL_MAX_DELAY_MS below): a task the simulator keeps
// Pending stays pending for the whole test, and one it completes at once is decided by the first poll.
import { loadProducerConfig, regionResultSchema } from '@regionwatch/core';
import { RegionTaskProducer, ResultTimeoutError, TaskNotTrackedError } from '@regionwatch/producer';
import { SOURCE_WORKER, startWorkerProcess, WebhookReceiver, type WorkerProcess } from '@regionwatch/testkit';
import { spawn } from 'node:child_process';
import { REPO_ROOT } from '@regionwatch/testkit';
import { test } from '@regionwatch/testkit/vitest';
import { afterAll, describe, expect } from 'vitest';
import { createHarness, WEBHOOK_SECRET, type Harness } from './support/harness.js';

const HOUR = 3_600_000;
let h: Harness;
let worker: WorkerProcess;
let producer: RegionTaskProducer;
const receivers: WebhookReceiver[] = [];

test.beforeAll(async ({ fileRedis }) => {
  // Images submitted to the simulator complete at once (submit's test waits for the first poll's answer).
  h = await createHarness(fileRedis, { simulator: { pendingMs: 0, processingMs: 0 } });
  worker = await startWorkerProcess(
    {
      ...h.env,
      POLL_INITIAL_DELAY_MS: String(HOUR),
      POLL_MAX_DELAY_MS: String(HOUR),
      LOG_LEVEL: 'info',
    },
    { entry: SOURCE_WORKER, timeoutMs: 60_000 },
  );
  // Wired from the environment as an upstream service would: Redis, prefix and the Aspose settings submit() uses.
  producer = RegionTaskProducer.fromConfig(loadProducerConfig({ ...h.env, POLL_INITIAL_DELAY_MS: '20' }));
}, 90_000);
afterAll(async () => {
  if (worker && worker.process.exitCode === null) worker.process.kill('SIGTERM');
  await worker?.exited;
  await producer?.close();
  await Promise.all(receivers.map((r) => r.close()));
  await h?.close();
});

const pendingTask = () => h.simulator.createTask({ pendingMs: 10 * HOUR, processingMs: 0, outcome: { status: 'Completed' } });
const quickTask = (rectangles = [[[1, 2, 3, 4]]] as [number, number, number, number][][]) =>
  h.simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed', rectangles } });

/** Waits until the worker has polled the task once and put it back to wait an hour. */
async function polledOnce(taskId: string) {
  return h.waitFor(`first poll of ${taskId}`, async () => {
    const status = await producer.status(taskId);
    return status.state === 'pending' && status.polls >= 1 && !status.active ? status : undefined;
  });
}

async function receiver(): Promise<WebhookReceiver> {
  const started = await new WebhookReceiver(WEBHOOK_SECRET).start();
  receivers.push(started);
  return started;
}

describe('status(id)', () => {
  test('unknown, then pending with polls and the next poll time, then finished with the result and its delivery', async () => {
    expect(await producer.status('never-tracked-1')).toEqual({ taskId: 'never-tracked-1', state: 'unknown' });

    const pending = pendingTask();
    await producer.track(pending, { webhookUrl: h.receiver.url });
    const seen = await polledOnce(pending);
    expect(seen).toMatchObject({
      state: 'pending',
      lastStatus: 'Pending',
      active: false,
      cancelRequested: false,
      webhookUrls: [h.receiver.url],
    });
    expect(seen.state === 'pending' && seen.nextPollAt).toBeGreaterThan(Date.now() + HOUR / 2);

    const quick = quickTask();
    await producer.track(quick, { webhookUrl: h.receiver.url, metadata: { order: '7' } });
    const finished = await h.waitFor('finished and delivered', async () => {
      const status = await producer.status(quick);
      return status.state === 'finished' && status.delivery.webhooks[0]?.state === 'delivered' ? status : undefined;
    });
    const delivered = regionResultSchema.parse(await h.result(quick));
    expect(finished.state === 'finished' && finished.result).toEqual(delivered);
    expect(delivered).toMatchObject({ status: 'Completed', regions: [{ left: 1, top: 2, right: 3, bottom: 4 }], metadata: { order: '7' } });
    expect(finished.state === 'finished' && finished.delivery).toMatchObject({
      results: 'handed',
      webhooks: [{ url: h.receiver.url, jobId: quick, state: 'delivered', receipt: { statusCode: 200, attempt: 1 } }],
    });
  }, 60_000);
});

describe('waitForResult(id)', () => {
  test('resolves with the result the worker process decides, and at once for one decided before the call', async () => {
    const ids = [quickTask(), quickTask(), quickTask()];
    // The waits start before the tasks are tracked: nothing is decided yet when each one registers.
    const waits = ids.map((id) =>
      h
        .waitFor(`tracked ${id}`, async () => ((await producer.status(id)).state !== 'unknown' ? true : undefined))
        .then(() => producer.waitForResult(id)),
    );
    await producer.trackMany(ids);
    const results = await Promise.all(waits);
    expect(results.map((r) => [r.taskId, r.status])).toEqual(ids.map((id) => [id, 'Completed']));
    for (const result of results) expect(result).toEqual(await h.result(result.taskId));

    // Decided before the call: answered from the task record, no decision to wait for.
    expect(await producer.waitForResult(ids[0] as string, { timeoutMs: 1 })).toEqual(results[0]);
  }, 60_000);

  test('a typed error for an id that is not tracked, and on timeout (the task is left pending)', async () => {
    await expect(producer.waitForResult('never-tracked-2')).rejects.toBeInstanceOf(TaskNotTrackedError);
    const pending = pendingTask();
    await producer.track(pending);
    const error = await producer.waitForResult(pending, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultTimeoutError);
    expect(error).toMatchObject({ code: 'RESULT_TIMEOUT', taskId: pending });
    expect((await producer.status(pending)).state).toBe('pending');
  }, 30_000);

  test('submit({ wait: true }) sends the image to Aspose, tracks the task and resolves with its result', async () => {
    const submitted = await producer.submit(Buffer.from('a small image'), undefined, { wait: { timeoutMs: 30_000 } });
    expect(submitted.created).toBe(true);
    expect(submitted.result.taskId).toBe(submitted.taskId);
    expect(submitted.result).toEqual(await h.result(submitted.taskId));
  }, 60_000);
});

describe('untrack(id)', () => {
  test('ends a pending task Cancelled at once (promoted, not at its next poll in an hour), delivered to results and webhook', async () => {
    const taskId = pendingTask();
    await producer.track(taskId, { webhookUrl: h.receiver.url });
    const before = await polledOnce(taskId);

    const outcome = await producer.untrack(taskId, { waitMs: 30_000 });
    expect(outcome).toMatchObject({ taskId, outcome: 'cancelled', result: { status: 'Cancelled', regions: [] } });
    expect(outcome.result?.polls).toBe(before.state === 'pending' ? before.polls : -1);
    expect(outcome.result?.errors[0]).toMatch(/^untracked by the producer at /);
    expect(await h.result(taskId)).toEqual(outcome.result);
    const hook = await h.waitFor('the Cancelled webhook', () => h.receiver.accepted.get(taskId));
    expect(hook.body).toMatchObject({ type: 'regions.failed', data: outcome.result });
    // Polled once only: the cancel was decided without asking Aspose again.
    expect(h.simulator.taskState(taskId)?.polls).toBe(before.state === 'pending' ? before.polls : -1);
  }, 60_000);

  test('with cancelAtAspose it also deletes the task at Aspose (settings from fromConfig)', async () => {
    const taskId = pendingTask();
    await producer.track(taskId);
    await polledOnce(taskId);
    const outcome = await producer.untrack(taskId, { cancelAtAspose: true, waitMs: 30_000 });
    expect(outcome).toMatchObject({ outcome: 'cancelled', aspose: { deleted: true } });
    expect(h.simulator.requestLog().filter((r) => r.endpoint === 'cancel' && r.taskId === taskId)).toHaveLength(1);
  }, 60_000);

  test('a finished or unknown id is reported and nothing changes (no DELETE at Aspose either)', async () => {
    expect(await producer.untrack('never-tracked-3', { cancelAtAspose: true })).toEqual({
      taskId: 'never-tracked-3',
      outcome: 'not-found',
    });
    const quick = quickTask();
    await producer.track(quick);
    const result = await producer.waitForResult(quick);
    const outcome = await producer.untrack(quick, { cancelAtAspose: true });
    expect(outcome).toEqual({ taskId: quick, outcome: 'already-finished', result });
    expect(await producer.status(quick)).toMatchObject({ state: 'finished', result });
    expect(h.simulator.requestLog().filter((r) => r.endpoint === 'cancel' && r.taskId === quick)).toHaveLength(0);
  }, 60_000);
});

describe('several subscribers', () => {
  test('a pending task tracked again with another webhookUrl is merged: each URL gets the result once, signed, own job', async () => {
    const [a, b, c] = [await receiver(), await receiver(), await receiver()];
    const taskId = pendingTask();
    expect(await producer.track(taskId, { webhookUrl: a.url })).toEqual({ taskId, created: true });
    expect(await producer.track(taskId, { webhookUrl: b.url })).toEqual({ taskId, created: false, merged: true });
    expect(await producer.track(taskId, { webhookUrl: b.url })).toEqual({ taskId, created: false }); // already a destination
    expect(await producer.track(taskId, { webhookUrl: a.url })).toEqual({ taskId, created: false });
    expect(await producer.trackMany([{ taskId, webhookUrl: c.url }])).toEqual([{ ok: true, taskId, created: false, merged: true }]);
    expect(await producer.status(taskId)).toMatchObject({ state: 'pending', webhookUrls: [a.url, b.url, c.url] });

    // End it (untrack is the quickest way to a decision here): every destination hears of it once.
    const outcome = await producer.untrack(taskId, { waitMs: 30_000 });
    expect(outcome.outcome).toBe('cancelled');
    for (const r of [a, b, c]) {
      const delivery = await h.waitFor(`delivery to ${r.url}`, () => r.accepted.get(taskId));
      expect(delivery.body).toMatchObject({ data: outcome.result }); // verified with WEBHOOK_SECRET by the receiver
    }
    expect((await h.webhookQueue.getJob(`${taskId}+1`))?.data.url).toBe(b.url);
    expect((await h.webhookQueue.getJob(`${taskId}+2`))?.data.url).toBe(c.url);
    const finished = await h.waitFor('all delivered', async () => {
      const status = await producer.status(taskId);
      return status.state === 'finished' && status.delivery.webhooks.every((w) => w.state === 'delivered') ? status : undefined;
    });
    expect(finished.state === 'finished' && finished.delivery.webhooks.map((w) => w.jobId)).toEqual([taskId, `${taskId}+1`, `${taskId}+2`]);
    // Decided: a new URL is a duplicate, not a destination.
    expect(await producer.track(taskId, { webhookUrl: `${a.url}?late` })).toEqual({ taskId, created: false });
    expect([a, b, c].map((r) => r.duplicatesSuppressed)).toEqual([0, 0, 0]);
  }, 60_000);

  test('the same id twice in one trackMany call with two webhookUrls: created, then merged', async () => {
    const taskId = pendingTask();
    const outcomes = await producer.trackMany([
      { taskId, webhookUrl: 'https://hooks.example.com/a' },
      { taskId, webhookUrl: 'https://hooks.example.com/b' },
      { taskId, webhookUrl: 'https://hooks.example.com/a' },
    ]);
    expect(outcomes).toEqual([
      { ok: true, taskId, created: true },
      { ok: true, taskId, created: false, merged: true },
      { ok: true, taskId, created: false },
    ]);
    expect(await producer.status(taskId)).toMatchObject({ webhookUrls: ['https://hooks.example.com/a', 'https://hooks.example.com/b'] });
  });

  test('at most 8 destinations per task: a ninth URL is refused, naming webhookUrl', async () => {
    const taskId = pendingTask();
    await producer.track(taskId, { webhookUrl: 'https://hooks.example.com/0' });
    for (let n = 1; n < 8; n += 1) {
      expect(await producer.track(taskId, { webhookUrl: `https://hooks.example.com/${n}` })).toMatchObject({ merged: true });
    }
    await expect(producer.track(taskId, { webhookUrl: 'https://hooks.example.com/8' })).rejects.toMatchObject({
      code: 'INVALID_TRACK_REQUEST',
      field: 'webhookUrl',
    });
    const status = await producer.status(taskId);
    expect(status.state === 'pending' && status.webhookUrls).toHaveLength(8);
  }, 30_000);
});

/** Runs a producer CLI from its sources, as `npm run track` / `npm run untrack` do, against this file's Redis and simulator. */
async function cli(entry: 'cli.ts' | 'untrack-cli.ts', args: string[]) {
  const child = spawn(
    process.execPath,
    ['--conditions=@regionwatch/source', '--import', 'tsx', `packages/producer/src/${entry}`, ...args],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...h.env, POLL_INITIAL_DELAY_MS: '20' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}

describe('the CLIs', () => {
  test('track --status prints one line per id; --webhook on a pending task prints merged', async () => {
    const pending = pendingTask();
    const quick = quickTask();
    await producer.trackMany([pending, quick]);
    await producer.waitForResult(quick);
    await polledOnce(pending);
    const merged = await cli('cli.ts', ['--webhook', 'https://hooks.example.com/second', pending]);
    expect(merged).toMatchObject({ code: 0, stdout: `merged ${pending}\n` });

    const { code, stdout } = await cli('cli.ts', ['--status', 'never-tracked-4', pending, quick]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('unknown never-tracked-4');
    expect(lines[1]).toMatch(new RegExp(`^pending ${pending} polls=1 last=Pending next=\\S+ webhooks=1$`));
    expect(lines[2]).toMatch(new RegExp(`^finished ${quick} status=Completed regions=1 polls=1 finishedAt=\\S+ results=handed$`));
  }, 120_000);

  test('track --wait prints each result as it arrives; untrack prints one line per id', async () => {
    const quick = quickTask();
    const waited = await cli('cli.ts', ['--wait', '--timeout', '60000', quick]);
    expect(waited.code).toBe(0);
    const [created, result] = waited.stdout.trimEnd().split('\n');
    expect(created).toBe(`created ${quick}`);
    expect(result).toBe(`result ${quick} ${JSON.stringify(await h.result(quick))}`);

    const pending = pendingTask();
    await producer.track(pending);
    await polledOnce(pending);
    const untracked = await cli('untrack-cli.ts', [pending, 'never-tracked-5', quick]);
    expect(untracked).toMatchObject({
      code: 0,
      stdout: `cancelled ${pending}\nnot-found never-tracked-5\nalready-finished ${quick} Completed\n`,
    });
    expect((await producer.status(pending)).state === 'finished').toBe(true);
  }, 120_000);
});
