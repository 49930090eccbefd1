import { endpointOf, parseDuration, webhookDeliveryStateSchema, type DeliveryEndReason } from '@regionwatch/core';
import type { Job, Queue } from 'bullmq';
import type { WebhookQueues } from '../webhook/webhook-queues.js';

export type ReplayOutcome = {
  taskId: string;
  /** `skipped`: selected by `--all` or a filter, but it ended on 410 Gone or the private-address guard (see `includeGone`). */
  outcome: 'replayed' | 'not-dead-lettered' | 'unknown' | 'skipped';
  reason?: DeliveryEndReason;
};

/**
 * Which dead letters `--all` or the filters select (every bound optional; times are epoch ms and
 * compare with when the delivery was dead-lettered). Deliveries that ended on 410 Gone or on the
 * private-address guard would only end the same way again: skipped unless `includeGone`.
 */
export type DeadLetterSelection = { since?: number; until?: number; endpoint?: string; includeGone?: boolean };

/** End reasons a replay would only repeat. */
const FUTILE: readonly DeliveryEndReason[] = ['gone', 'private-address'];

/**
 * Moves dead-lettered webhook deliveries (failed set of `regions-webhooks`, of every shard's with
 * POLL_SHARDS > 1) back to waiting; the processor starts a fresh retry schedule for them. `ids`: those
 * deliveries (each looked up in its task's shard), whatever they ended on; `'all'` or a selection: every
 * dead letter it matches in every shard, futile ones skipped (see DeadLetterSelection).
 */
export async function replayDeadLetters(
  queues: WebhookQueues,
  ids: readonly string[] | 'all' | DeadLetterSelection,
): Promise<ReplayOutcome[]> {
  if (ids === 'all' || !Array.isArray(ids)) {
    const selection = ids === 'all' ? {} : (ids as DeadLetterSelection);
    const outcomes: ReplayOutcome[] = [];
    for (const queue of queues.all) outcomes.push(...(await replaySelected(queue, selection)));
    return outcomes;
  }
  const outcomes: ReplayOutcome[] = [];
  for (const taskId of ids as readonly string[]) {
    const job = await queues.of(taskId).getJob(taskId);
    if (!job) {
      outcomes.push({ taskId, outcome: 'unknown' });
      continue;
    }
    if ((await job.getState()) !== 'failed') {
      outcomes.push({ taskId, outcome: 'not-dead-lettered' });
      continue;
    }
    await replay(job);
    outcomes.push({ taskId, outcome: 'replayed' });
  }
  return outcomes;
}

/**
 * `--since`/`--until` values: an ISO 8601 date or time (`2026-11-28`, `2026-11-28T21:00:00Z`), or a
 * duration ago (`30m`, `2h`, `48h`). Undefined when it is neither.
 */
export function parseReplayTime(text: string, now = Date.now()): number | undefined {
  const ago = parseDuration(text);
  if (ago !== undefined) return now - ago;
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim())) return undefined;
  const at = Date.parse(text.trim());
  return Number.isNaN(at) ? undefined : at;
}

async function replaySelected(queue: Queue, selection: DeadLetterSelection): Promise<ReplayOutcome[]> {
  const endpoint = selection.endpoint === undefined ? undefined : endpointOf(selection.endpoint);
  const outcomes: ReplayOutcome[] = [];
  // Read the whole failed set before moving anything: a page read after a replay would shift.
  const matching: Job[] = [];
  const page = 1_000;
  for (let start = 0; ; start += page) {
    const jobs = await queue.getFailed(start, start + page - 1);
    for (const job of jobs) if (job?.id && matches(job, selection, endpoint)) matching.push(job);
    if (jobs.length < page) break;
  }
  for (const job of matching) {
    const taskId = job.id ?? '';
    const reason = endReason(job);
    if (!selection.includeGone && reason !== undefined && FUTILE.includes(reason)) {
      outcomes.push({ taskId, outcome: 'skipped', reason });
      continue;
    }
    await replay(job);
    outcomes.push({ taskId, outcome: 'replayed' });
  }
  return outcomes;
}

function matches(job: Job, selection: DeadLetterSelection, endpoint: string | undefined): boolean {
  const endedAt = deadLetteredAt(job);
  if (selection.since !== undefined && endedAt < selection.since) return false;
  if (selection.until !== undefined && endedAt > selection.until) return false;
  if (endpoint !== undefined) {
    const url = (job.data as { url?: unknown } | undefined)?.url;
    try {
      if (typeof url !== 'string' || endpointOf(url) !== endpoint) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** When it was dead-lettered: the delivery state's end, else BullMQ's finishedOn (older jobs). */
function deadLetteredAt(job: Job): number {
  const state = webhookDeliveryStateSchema.safeParse(job.progress);
  return (state.success ? state.data.ended?.at : undefined) ?? job.finishedOn ?? job.timestamp;
}

/** Why it ended; for jobs dead-lettered before delivery states existed, read from the failure message. */
function endReason(job: Job): DeliveryEndReason | undefined {
  const state = webhookDeliveryStateSchema.safeParse(job.progress);
  if (state.success && state.data.ended) return state.data.ended.reason;
  if (/410 Gone/.test(job.failedReason ?? '')) return 'gone';
  if (/set WEBHOOK_ALLOW_PRIVATE=true/.test(job.failedReason ?? '')) return 'private-address';
  return undefined;
}

/** Back to waiting with BullMQ's attempt counters reset; the ended state tells the processor it is a replay. */
async function replay(job: Job): Promise<void> {
  await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
}
