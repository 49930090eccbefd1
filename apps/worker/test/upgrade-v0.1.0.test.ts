// Upgrades (issue 17 §5): job data written by regionwatch 0.1.0 is read by today's worker. The
// fixture holds poll jobs exactly as 0.1.0 left them in Redis (packages/testkit/fixtures/README.md).
// Changed on purpose with task data model v2 (notes DATA-MODEL.md): a `progress` or `result` inside job data
// is never trusted any more, so 0.1.0's saved progress does not carry over and a job 0.1.0 had decided (crash
// before the hand-off) is polled again: its result comes from Aspose, and nothing is lost.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { POLL_QUEUE, regionResultSchema, TaskRecordStore, type RegionResult } from '@regionwatch/core';
import { REPO_ROOT } from '@regionwatch/testkit';
import { test } from '@regionwatch/testkit/vitest';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { createHarness } from './support/harness.js';

type FixtureJob = { case: 'fresh' | 'polling' | 'decided' | 'withWebhook'; id: string; state: string; hash: Record<string, string> };

const FIXTURE = join(REPO_ROOT, 'packages/testkit/fixtures/poll-jobs-v0.1.0.json');

describe('poll jobs written by 0.1.0', () => {
  test('are polled (again) and delivered by today’s worker; saved progress and result in data are not trusted', async ({ redis }) => {
    const h = await createHarness(redis, { env: { TASK_DEADLINE_MS: String(10 * 365 * 86_400_000) } });
    const connection = new Redis(redis.url);
    try {
      const jobs = JSON.parse(await readFile(FIXTURE, 'utf8')) as FixtureJob[];
      const byCase = Object.fromEntries(jobs.map((job) => [job.case, job])) as Record<FixtureJob['case'], FixtureJob>;
      for (const job of jobs) {
        // The decided case gets regions other than its saved result's, so the test tells which was delivered.
        const outcome =
          job.case === 'decided' ? { status: 'Completed' as const, rectangles: [[[10, 20, 30, 40]]] } : { status: 'Completed' as const };
        h.simulator.createTask({ id: job.id, pendingMs: 0, processingMs: 0, outcome });
        const hash = { ...job.hash, data: job.hash.data?.replace('http://receiver.invalid/regions', h.receiver.url) ?? '' };
        await connection.hset(`${redis.prefix}:${POLL_QUEUE}:${job.id}`, hash);
        await connection.lpush(`${redis.prefix}:${POLL_QUEUE}:wait`, job.id);
      }
      await h.startWorker();

      const results = new Map<string, RegionResult>();
      for (const job of jobs) results.set(job.case, regionResultSchema.parse(await h.result(job.id, 30_000)));
      // Every one Completed, its metadata passed through.
      for (const job of jobs) {
        const data = JSON.parse(job.hash.data ?? '{}') as { metadata?: unknown };
        expect(results.get(job.case)).toMatchObject({ taskId: job.id, status: 'Completed', metadata: data.metadata });
      }
      // v2: the 3 polls 0.1.0 saved in data do not count; the count is this worker's own polls.
      for (const job of jobs) {
        expect(results.get(job.case)?.polls).toBe(h.simulator.taskState(job.id)?.polls);
        expect(results.get(job.case)?.polls).toBeGreaterThanOrEqual(1);
      }
      // v2: a result 0.1.0 had decided (saved in data) is not trusted: Aspose is asked again and ITS result
      // is delivered (the simulator's regions, not the saved ones).
      const saved = (JSON.parse(byCase.decided.hash.data ?? '{}') as { result: RegionResult }).result;
      expect(saved.regions).not.toEqual([{ left: 10, top: 20, right: 30, bottom: 40 }]);
      expect(results.get('decided')?.regions).toEqual([{ left: 10, top: 20, right: 30, bottom: 40 }]);
      // The per-task webhook URL is honoured.
      await h.waitFor('the webhook', () => h.receiver.accepted.get(byCase.withWebhook.id));
      // Nothing lost or failed: every task decided (Completed) in its task record and handed to the results
      // queue, its poll job completed (0.1.0's own opts keep it 25 h) or removed (v2's removeOnComplete).
      const records = new TaskRecordStore(connection, redis.prefix);
      const settled = async (id: string) => {
        const record = await records.read(id);
        return (
          record?.body.status === 'Completed' &&
          record.handed.has('results') &&
          ['completed', 'unknown'].includes(await h.pollQueue.getJobState(id))
        );
      };
      await h.waitFor('every task decided and handed on', async () =>
        (await Promise.all(jobs.map((job) => settled(job.id)))).every(Boolean) ? true : undefined,
      );
      expect(await h.pollQueue.getFailedCount()).toBe(0);
    } finally {
      connection.disconnect();
      await h.close();
    }
  }, 120_000);
});
