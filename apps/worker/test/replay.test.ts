import { WEBHOOK_QUEUE, type DeliveryEndReason, type WebhookDeliveryState } from '@regionwatch/core';
import { waitFor } from '@regionwatch/testkit';
import { test } from '@regionwatch/testkit/vitest';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { describe, expect } from 'vitest';
import { parseReplayTime, replayDeadLetters, webhookQueues } from '../src/index.js';

// Dead letters made the way the worker makes them (the delivery state in `progress`, then an
// UnrecoverableError), with end times the test chooses, then selected by the replay filters.

type Letter = { id: string; url: string; endedAt: number; reason: DeliveryEndReason };

const A = 'https://a.example.com/hooks/one';
const B = 'https://b.example.com:8443/hooks';

async function deadLetters(url: string, prefix: string, letters: readonly Letter[]): Promise<Queue> {
  const queue = new Queue(WEBHOOK_QUEUE, { connection: { url }, prefix });
  const byId = new Map(letters.map((l) => [l.id, l]));
  const worker = new Worker(
    WEBHOOK_QUEUE,
    async (job) => {
      const letter = byId.get(job.id ?? '') as Letter;
      const state: WebhookDeliveryState = {
        endpoint: new URL(letter.url).origin,
        attempts: 1,
        retries: 0,
        plannedRetries: 0,
        firstAttemptAt: letter.endedAt - 10,
        deadlineAt: letter.endedAt - 10,
        ended: { at: letter.endedAt, reason: letter.reason, message: letter.reason },
      };
      await job.updateProgress(state);
      throw new UnrecoverableError(letter.reason);
    },
    { connection: { url }, prefix, autorun: false },
  );
  await queue.addBulk(letters.map((l) => ({ name: 'deliver', data: { url: l.url }, opts: { jobId: l.id } })));
  void worker.run();
  try {
    await waitFor('every dead letter', async () => ((await queue.getFailedCount()) === letters.length ? true : undefined), 15_000, 20);
  } finally {
    await worker.close();
  }
  return queue;
}

const letters: Letter[] = [
  { id: 'a-early', url: A, endedAt: 1_000, reason: 'exhausted' },
  { id: 'a-late', url: `${A}?x=1`, endedAt: 5_000, reason: 'held-expired' },
  { id: 'a-gone', url: A, endedAt: 5_000, reason: 'gone' },
  { id: 'b-mid', url: B, endedAt: 3_000, reason: 'exhausted' },
  { id: 'b-private', url: B, endedAt: 3_000, reason: 'private-address' },
];

const sorted = (outcomes: { taskId: string; outcome: string }[]) =>
  outcomes.map((o) => `${o.outcome} ${o.taskId}`).sort((x, y) => (x < y ? -1 : 1));

describe('replaying dead letters', () => {
  test('--all skips deliveries that ended on 410 Gone or the address guard, unless --include-gone', async ({ redis }) => {
    const queue = await deadLetters(redis.url, redis.prefix, letters);
    try {
      expect(sorted(await replayDeadLetters(webhookQueues([queue]), 'all'))).toEqual([
        'replayed a-early',
        'replayed a-late',
        'replayed b-mid',
        'skipped a-gone',
        'skipped b-private',
      ]);
      expect(await queue.getFailedCount()).toBe(2);
      expect(sorted(await replayDeadLetters(webhookQueues([queue]), { includeGone: true }))).toEqual([
        'replayed a-gone',
        'replayed b-private',
      ]);
      expect(await queue.getFailedCount()).toBe(0);
    } finally {
      await queue.close();
    }
  });

  test('--since, --until and --endpoint select by the time dead-lettered and by origin', async ({ redis }) => {
    const queue = await deadLetters(redis.url, redis.prefix, letters);
    try {
      expect(sorted(await replayDeadLetters(webhookQueues([queue]), { endpoint: 'https://a.example.com', since: 2_000 }))).toEqual([
        'replayed a-late',
        'skipped a-gone',
      ]);
      expect(sorted(await replayDeadLetters(webhookQueues([queue]), { until: 3_000, includeGone: true }))).toEqual([
        'replayed a-early',
        'replayed b-mid',
        'replayed b-private',
      ]);
      expect(await replayDeadLetters(webhookQueues([queue]), { endpoint: 'https://b.example.com' })).toEqual([]); // another port: another endpoint
      expect(sorted(await replayDeadLetters(webhookQueues([queue]), { includeGone: true }))).toEqual(['replayed a-gone']);
    } finally {
      await queue.close();
    }
  });

  test('named ids are replayed whatever they ended on', async ({ redis }) => {
    const queue = await deadLetters(redis.url, redis.prefix, letters.slice(2, 3));
    try {
      expect(await replayDeadLetters(webhookQueues([queue]), ['a-gone'])).toEqual([{ taskId: 'a-gone', outcome: 'replayed' }]);
      expect(await queue.getJobState('a-gone')).toBe('waiting');
    } finally {
      await queue.close();
    }
  });
});

describe('parseReplayTime', () => {
  test('reads ISO dates and times, and durations ago', () => {
    expect(parseReplayTime('2026-11-28T21:00:00Z')).toBe(Date.UTC(2026, 10, 28, 21));
    expect(parseReplayTime('2026-11-28')).toBe(Date.UTC(2026, 10, 28));
    expect(parseReplayTime('2h', 10_000_000)).toBe(10_000_000 - 7_200_000);
    expect(parseReplayTime('30m', 10_000_000)).toBe(10_000_000 - 1_800_000);
    for (const bad of ['yesterday', '12', '2026-13-45', '']) expect(parseReplayTime(bad)).toBeUndefined();
  });
});
