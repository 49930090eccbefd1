import { isDeepStrictEqual } from 'node:util';
import { regionResultSchema, type RegionResult } from '@regionwatch/core';
import type { WebhookReceiver } from '@regionwatch/testkit';
import type { Expected } from './scripted-tasks.js';
import { CHAOS_SECRETS, type ChaosRedis, type ChaosWorld } from './world.js';

export type InvariantReport = {
  tasks: number;
  /** Webhooks accepted by the idempotent receiver (one per id at most). */
  deliveries: number;
  /** Repeated deliveries of an id the receiver had already accepted (at-least-once at work). */
  duplicatesSuppressed: number;
  /** Tracked tasks with no result, or a webhook neither delivered nor dead-lettered. Must be 0. */
  lost: number;
  /** Results that differ from what the simulator decided. Must be empty. */
  mismatched: string[];
  /** Webhooks that ran out of attempts (allowed only where a scenario made a receiver fail on purpose). */
  deadLetters: string[];
  /** Poll jobs in the failed set. Must be 0 (or exactly the bad jobs a scenario wrote on purpose). */
  failedPollJobs: number;
  /** Secrets or tokens found in any replica's log lines. Must be empty. */
  leakedSecrets: string[];
  ok: boolean;
};

/**
 * The one invariant every scenario ends with: every tracked task reached exactly one result that
 * matches what the simulator decided, every webhook id was delivered (at least once, accepted once)
 * or dead-lettered where attempts ran out, no poll job failed, nothing was lost, no secret was logged.
 */
export async function checkInvariant(
  world: ChaosWorld<ChaosRedis>,
  expected: readonly Expected[],
  options: { allowedDeadLetters?: ReadonlySet<string>; expectedFailedPollJobs?: number; receivers?: readonly WebhookReceiver[] } = {},
): Promise<InvariantReport> {
  const receivers = options.receivers ?? [world.receiver];
  const allowedDeadLetters = options.allowedDeadLetters ?? new Set<string>();
  let lost = 0;
  const mismatched: string[] = [];
  const deadLetters: string[] = [];
  for (const task of expected) {
    const job = await world.resultsQueue.getJob(task.taskId);
    if (!job) {
      lost += 1;
      continue;
    }
    const result: RegionResult = regionResultSchema.parse(job.data);
    if (result.status !== task.status || !isDeepStrictEqual(result.regions, task.regions)) {
      mismatched.push(
        `${task.taskId}: expected ${task.status} ${JSON.stringify(task.regions)}, got ${result.status} ${JSON.stringify(result.regions)}`,
      );
    }
    const delivery = receivers.map((r) => r.accepted.get(task.taskId)).find((d) => d !== undefined);
    if (delivery) {
      if (!isDeepStrictEqual((delivery.body as { data?: unknown }).data, result))
        mismatched.push(`${task.taskId}: webhook body differs from the result`);
      continue;
    }
    const state = await world.webhookQueueOf(task.taskId).getJobState(task.taskId);
    if (state === 'failed' && allowedDeadLetters.has(task.taskId)) deadLetters.push(task.taskId);
    else lost += 1;
  }
  const failedPollJobs = (await Promise.all(world.pollQueues.map((q) => q.getFailedCount()))).reduce((a, b) => a + b, 0);
  const leakedSecrets = findSecrets(world.workerLines.flat());
  const report = {
    tasks: expected.length,
    deliveries: receivers.reduce((sum, r) => sum + r.accepted.size, 0),
    duplicatesSuppressed: receivers.reduce((sum, r) => sum + r.duplicatesSuppressed, 0),
    lost,
    mismatched,
    deadLetters,
    failedPollJobs,
    leakedSecrets,
  };
  const ok =
    lost === 0 && mismatched.length === 0 && failedPollJobs === (options.expectedFailedPollJobs ?? 0) && leakedSecrets.length === 0;
  return { ...report, ok };
}

function findSecrets(lines: readonly string[]): string[] {
  const text = lines.join('\n');
  const secrets = [CHAOS_SECRETS.webhook, CHAOS_SECRETS.webhook.slice('whsec_'.length), CHAOS_SECRETS.clientSecret];
  const found = secrets.filter((secret) => text.includes(secret)).map((s) => `${s.slice(0, 8)}…`);
  if (/Bearer [A-Za-z0-9_-]{8,}/.test(text)) found.push('a bearer token');
  return found;
}
