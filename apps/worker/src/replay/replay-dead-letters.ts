import type { Queue } from 'bullmq';

export type ReplayOutcome = { taskId: string; outcome: 'replayed' | 'not-dead-lettered' | 'unknown' };

/**
 * Moves dead-lettered webhook deliveries (failed set of `regions-webhooks`) back to waiting with
 * a fresh attempt budget. `ids` = `'all'` replays every failed delivery.
 */
export async function replayDeadLetters(webhookQueue: Queue, ids: readonly string[] | 'all'): Promise<ReplayOutcome[]> {
  const targets = ids === 'all' ? await allFailedIds(webhookQueue) : ids;
  const outcomes: ReplayOutcome[] = [];
  for (const taskId of targets) {
    const job = await webhookQueue.getJob(taskId);
    if (!job) {
      outcomes.push({ taskId, outcome: 'unknown' });
      continue;
    }
    if ((await job.getState()) !== 'failed') {
      outcomes.push({ taskId, outcome: 'not-dead-lettered' });
      continue;
    }
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    outcomes.push({ taskId, outcome: 'replayed' });
  }
  return outcomes;
}

async function allFailedIds(queue: Queue): Promise<string[]> {
  const ids: string[] = [];
  const page = 1_000;
  for (let start = 0; ; start += page) {
    const jobs = await queue.getFailed(start, start + page - 1);
    for (const job of jobs) if (job.id) ids.push(job.id);
    if (jobs.length < page) return ids;
  }
}
