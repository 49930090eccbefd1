import {
  createLogger,
  endpointIndexKeys,
  endpointKeys,
  endpointOf,
  POLL_QUEUE,
  pollShards,
  shardOfTask,
  WEBHOOK_QUEUE,
} from '@regionwatch/core';
import { RegionTaskProducer } from '@regionwatch/producer';
import { test } from '@regionwatch/testkit/vitest';
import { Queue } from 'bullmq';
import { afterAll, describe, expect } from 'vitest';
import { replayDeadLetters, webhookQueues } from '../src/index.js';
import { checkPollLayout, pollLayoutKey } from '../src/poll/poll-layout-check.js';
import { createHarness, LogCapture, type Harness } from './support/harness.js';

// POLL_SHARDS=3 on one standalone Redis: the producer routes each task to its shard's queue, two replicas
// consume all three, and everything else (dedupe, results, webhooks, status, the one rate budget) is as
// without shards. The Cluster side (three shards on three primaries) is poll-shards-cluster.test.ts.
let h: Harness;
test.beforeAll(async ({ fileRedis }) => {
  h = await createHarness(fileRedis, { env: { POLL_SHARDS: '3', WORKER_CONCURRENCY: '7' }, simulator: { seed: 14 } });
});
afterAll(() => h?.close());

const where = async (taskId: string) => {
  const found = await Promise.all(h.pollQueues.map(async (queue, shard) => ((await queue.getJob(taskId)) ? shard : undefined)));
  return found.filter((shard) => shard !== undefined);
};

describe('POLL_SHARDS=3 (standalone Redis)', () => {
  test('each task lands in its shard only; re-tracking is a duplicate; every task reaches one result and one webhook', async () => {
    // The README's worked examples (shards 0, 1, 2 by CLUSTER KEYSLOT mod 3), plus simulator tasks.
    const examples = ['task-42', '3f2b8c1e-6d4a-4b7e-9c2f-1a5e8d7b0c94', '5e1a7f3c-0b9d-4c2e-8f6a-9d3b2c1e0a77'];
    for (const id of examples)
      h.simulator.createTask({ id, pendingMs: 50, outcome: { status: 'Completed', rectangles: [[[1, 2, 3, 4]]] } });
    const ids = [
      ...examples,
      ...Array.from({ length: 60 }, (_, i) => h.simulator.createTask({ pendingMs: 50 + (i % 5) * 40, outcome: { status: 'Completed' } })),
    ];
    const tracked = await h.producer.trackMany(ids.map((taskId) => ({ taskId, webhookUrl: h.receiver.url })));
    expect(tracked.every((t) => t.ok && t.created)).toBe(true);
    // No worker yet: every job waits where the producer put it.
    expect(await Promise.all(examples.map(where))).toEqual([[0], [1], [2]]);
    for (const id of ids) expect(await where(id)).toEqual([shardOfTask(id, 3)]);
    const perShard = await Promise.all(h.pollQueues.map((q) => q.getDelayedCount()));
    expect(perShard.reduce((a, b) => a + b, 0)).toBe(ids.length);
    expect(Math.min(...perShard)).toBeGreaterThan(0);
    expect((await h.producer.trackMany(ids)).every((t) => t.ok && !t.created)).toBe(true); // pending: duplicates

    const [one] = await Promise.all([h.startWorker(), h.startWorker()]);
    expect(one.pollWorkers).toHaveLength(3);
    // WORKER_CONCURRENCY=7 is the replica's: 3 + 2 + 2.
    expect(one.pollWorkers.map((w) => w.concurrency)).toEqual([3, 2, 2]);
    await h.waitFor('every result', async () => ((await h.resultsQueue.count()) === ids.length ? true : undefined), 60_000);
    await h.waitFor('every webhook', () => (h.receiver.accepted.size === ids.length ? true : undefined), 60_000);
    expect(h.receiver.duplicatesSuppressed).toBe(0);
    const results = await h.resultsQueue.getJobs(['waiting', 'completed'], 0, -1);
    expect(new Set(results.map((job) => job.id)).size).toBe(ids.length);
    // Each delivery (signed: the receiver accepts only what verifies) went through its task's shard's webhook
    // queue, and through no other; the unsharded `regions-webhooks` under the prefix was never used.
    expect(one.webhookWorkers.map((w) => w.concurrency)).toEqual([3, 2, 2]);
    // A delivery is marked completed just after the receiver answered: wait for the last ones.
    const completedDeliveries = async () =>
      (await Promise.all(h.webhookQueues.map((q) => q.getCompletedCount()))).reduce((a, b) => a + b, 0);
    await h.waitFor('every delivery completed', async () => ((await completedDeliveries()) === ids.length ? true : undefined), 30_000);
    for (const id of ids) {
      const shard = shardOfTask(id, 3);
      expect(await h.webhookQueues[shard]!.getJobState(id)).toBe('completed');
      for (const other of [0, 1, 2].filter((i) => i !== shard)) expect(await h.webhookQueues[other]!.getJob(id)).toBeUndefined();
    }
    const perWebhookShard = await Promise.all(h.webhookQueues.map((q) => q.getCompletedCount()));
    expect(Math.min(...perWebhookShard)).toBeGreaterThan(0);
    // The endpoint's state (breaker, line, rate window) is per shard too: each shard's deliveries used their
    // shard's endpoint keys, and nothing of the webhooks is left under the tag.
    expect(await h.connection.keys(`${h.config.REGIONWATCH_PREFIX}:${WEBHOOK_QUEUE}:*`)).toEqual([]);
    const endpoint = endpointOf(h.receiver.url);
    for (const shard of pollShards(h.config.REGIONWATCH_PREFIX, 3)) {
      expect(await h.connection.exists(endpointKeys(shard.prefix, endpoint).state)).toBe(1);
      expect(await h.connection.zscore(endpointIndexKeys(shard.prefix).index, endpoint)).not.toBeNull();
    }

    // Decided: still a duplicate (the record, found in the task's shard), and the producer sees each task finished.
    expect((await h.producer.trackMany(ids)).every((t) => t.ok && !t.created)).toBe(true);
    for (const id of examples) {
      const status = await h.producer.status(id);
      expect(status).toMatchObject({ state: 'finished', result: { taskId: id, status: 'Completed' } });
      expect((await h.producer.waitForResult(id, { timeoutMs: 1_000 })).regions).toEqual([{ left: 1, top: 2, right: 3, bottom: 4 }]);
      // The record sits beside the job's keys in the task's shard.
      const shard = pollShards(h.config.REGIONWATCH_PREFIX, 3)[shardOfTask(id, 3)]!;
      expect(await h.connection.exists(`${shard.prefix}:${POLL_QUEUE}:${id}:task`)).toBe(1);
    }

    // One series per shard queue.
    const metrics = await one.metrics.registry.metrics();
    for (const label of ['p0.regions-poll', 'p1.regions-poll', 'p2.regions-poll']) {
      expect(metrics).toMatch(new RegExp(`regionwatch_queue_jobs\\{queue="${label.replace('.', '\\.')}",state="delayed"`));
    }
    expect(metrics).not.toMatch(/queue="regions-poll",/);
    for (const label of ['p0.regions-webhooks', 'p1.regions-webhooks', 'p2.regions-webhooks']) {
      expect(metrics).toMatch(new RegExp(`regionwatch_queue_jobs\\{queue="${label.replace('.', '\\.')}",state="completed"`));
    }
    expect(metrics).not.toMatch(/queue="regions-webhooks",/);
  }, 120_000);

  test('a dead-lettered delivery in shard 2 is replayed by id, and by --all, from its shard', async () => {
    // Two tasks of shard 2 whose receiver answers 410 Gone (dead-lettered at once), then heals.
    const ids = Array.from({ length: 40 }, (_, i) => `dead-letter-${i}`)
      .filter((id) => shardOfTask(id, 3) === 2)
      .slice(0, 2);
    expect(ids).toHaveLength(2);
    for (const id of ids) {
      h.simulator.createTask({ id, pendingMs: 20, outcome: { status: 'Completed' } });
      h.receiver.failAlways(id, 410);
    }
    await h.producer.trackMany(ids.map((taskId) => ({ taskId, webhookUrl: h.receiver.url })));
    const shard2 = h.webhookQueues[2]!;
    for (const id of ids)
      await h.waitFor(`${id} dead-lettered`, async () => ((await shard2.getJobState(id)) === 'failed' ? true : undefined), 60_000);
    expect(await h.webhookQueues[0]!.getFailedCount()).toBe(0);
    expect(await h.webhookQueues[1]!.getFailedCount()).toBe(0);
    for (const id of ids) h.receiver.heal(id);
    const [byId, byAll] = ids as [string, string];

    expect(await replayDeadLetters(webhookQueues(h.webhookQueues), [byId, 'never-tracked'])).toEqual([
      { taskId: byId, outcome: 'replayed' },
      { taskId: 'never-tracked', outcome: 'unknown' },
    ]);
    await h.waitFor(`${byId} delivered after its replay`, () => (h.receiver.accepted.has(byId) ? true : undefined), 60_000);
    // --all reads every shard's failed set (410 Gone is futile unless --include-gone: skipped, then replayed).
    expect(await replayDeadLetters(webhookQueues(h.webhookQueues), 'all')).toEqual([{ taskId: byAll, outcome: 'skipped', reason: 'gone' }]);
    expect(await replayDeadLetters(webhookQueues(h.webhookQueues), { includeGone: true })).toEqual([
      { taskId: byAll, outcome: 'replayed' },
    ]);
    await h.waitFor(`${byAll} delivered after --all`, () => (h.receiver.accepted.has(byAll) ? true : undefined), 60_000);
    expect(await shard2.getFailedCount()).toBe(0);
  }, 120_000);

  test('waitForResult and untrack find a pending task in its shard', async () => {
    const id = h.simulator.createTask({ pendingMs: 60_000, outcome: { status: 'Completed' } });
    await h.producer.track(id);
    const waiting = h.producer.waitForResult(id, { timeoutMs: 30_000 });
    const untracked = await h.producer.untrack(id, { waitMs: 30_000 });
    expect(untracked.outcome).toBe('cancelled');
    expect((await waiting).status).toBe('Cancelled');
  }, 60_000);
});

describe('the poll layout check at start-up', () => {
  test('jobs left in the queues of another POLL_SHARDS are reported until they are gone', async ({ redis }) => {
    const logs = new LogCapture();
    const logger = createLogger({ level: 'info', destination: logs });
    // A deployment without shards left a job behind; a replica with POLL_SHARDS=3 starts.
    const unsharded = new RegionTaskProducer({ connection: redis.url, prefix: redis.prefix, initialDelayMs: 60_000 });
    await unsharded.track('left-behind');
    await unsharded.close();
    expect(await checkPollLayout(h.connection, redis.prefix, 3, logger)).toBe(1);
    expect(logs.lines.join('\n')).toMatch(
      /1 poll job\(s\) and 0 webhook delivery\(ies\) wait in the queues of POLL_SHARDS=1, which this replica \(POLL_SHARDS=3\)/,
    );
    expect(await h.connection.get(pollLayoutKey(redis.prefix))).toBeNull(); // kept at the old value (none written)
    // A replica with the old value is fine (and says which layout is in use).
    expect(await checkPollLayout(h.connection, redis.prefix, 1, logger)).toBe(0);
    const queue = new Queue(POLL_QUEUE, { connection: { url: redis.url }, prefix: redis.prefix });
    await queue.remove('left-behind'); // drained
    await queue.close();
    expect(await checkPollLayout(h.connection, redis.prefix, 3, logger)).toBe(0);
    expect(await h.connection.get(pollLayoutKey(redis.prefix))).toBe('3');
    // Now a replica still on POLL_SHARDS=1 is the odd one: it looks at the three shards' queues.
    const sharded = new RegionTaskProducer({ connection: redis.url, prefix: redis.prefix, shards: 3, initialDelayMs: 60_000 });
    await sharded.trackMany(['a-1', 'b-2']);
    await sharded.close();
    expect(await checkPollLayout(h.connection, redis.prefix, 1, logger)).toBe(2);
    expect(logs.lines.at(-1)).toMatch(
      /2 poll job\(s\) and 0 webhook .* wait in the queues of POLL_SHARDS=3, which this replica \(POLL_SHARDS=1\)/,
    );
    // An undelivered webhook left in a shard's webhook queue counts too, once the poll queues are drained.
    const shardQueues = pollShards(redis.prefix, 3).map(
      (shard) => new Queue(POLL_QUEUE, { connection: { url: redis.url }, prefix: shard.prefix }),
    );
    const hooks = new Queue(WEBHOOK_QUEUE, { connection: { url: redis.url }, prefix: pollShards(redis.prefix, 3)[1]!.prefix });
    try {
      for (const queue of shardQueues) await queue.obliterate({ force: true });
      await hooks.add('webhook', { url: 'https://hooks.example.com/x' }, { jobId: 'undelivered', delay: 600_000 });
      expect(await checkPollLayout(h.connection, redis.prefix, 1, logger)).toBe(1);
      expect(logs.lines.at(-1)).toMatch(/0 poll job\(s\) and 1 webhook delivery\(ies\) wait in the queues of POLL_SHARDS=3/);
    } finally {
      await Promise.all([...shardQueues, hooks].map((queue) => queue.close()));
    }
  });
});
