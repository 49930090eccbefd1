// Upgrades (issue 17 §5): job data written by regionwatch 0.1.0 is read by today's worker. The
// fixture holds poll jobs exactly as 0.1.0 left them in Redis (packages/testkit/fixtures/README.md).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { POLL_QUEUE, regionResultSchema, type RegionResult } from '@regionwatch/core';
import { REPO_ROOT } from '@regionwatch/testkit';
import { test } from '@regionwatch/testkit/vitest';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { createHarness } from './support/harness.js';

type FixtureJob = { case: 'fresh' | 'polling' | 'decided' | 'withWebhook'; id: string; state: string; hash: Record<string, string> };

const FIXTURE = join(REPO_ROOT, 'packages/testkit/fixtures/poll-jobs-v0.1.0.json');

describe('poll jobs written by 0.1.0', () => {
  test('are polled on, handed on and delivered by today’s worker, progress and saved result kept', async ({ redis }) => {
    const h = await createHarness(redis, { env: { TASK_DEADLINE_MS: String(10 * 365 * 86_400_000) } });
    const connection = new Redis(redis.url);
    try {
      const jobs = JSON.parse(await readFile(FIXTURE, 'utf8')) as FixtureJob[];
      const byCase = Object.fromEntries(jobs.map((job) => [job.case, job])) as Record<FixtureJob['case'], FixtureJob>;
      for (const job of jobs) {
        h.simulator.createTask({ id: job.id, pendingMs: 0, processingMs: 0, outcome: { status: 'Completed' } });
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
      // The 3 polls made under 0.1.0 count.
      expect(results.get('polling')?.polls).toBeGreaterThanOrEqual(4);
      // A result 0.1.0 had decided is handed on as it was, without asking Aspose again.
      const saved = (JSON.parse(byCase.decided.hash.data ?? '{}') as { result: RegionResult }).result;
      expect(results.get('decided')).toEqual(saved);
      expect(h.simulator.taskState(byCase.decided.id)?.polls ?? 0).toBe(0);
      // The per-task webhook URL is honoured.
      await h.waitFor('the webhook', () => h.receiver.accepted.get(byCase.withWebhook.id));
      // Nothing failed; every poll job completed.
      await h.waitFor('every poll job completed', async () => ((await h.pollQueue.getCompletedCount()) === jobs.length ? true : undefined));
      expect(await h.pollQueue.getFailedCount()).toBe(0);
    } finally {
      connection.disconnect();
      await h.close();
    }
  }, 120_000);
});
