import { scheduleSpan, type WebhookDeliveryState } from '@regionwatch/core';

/** A held delivery wakes by itself at least this often (it is normally released earlier): heals a lost timer. */
export const MAX_HOLD_SLEEP_MS = 60 * 60_000;

/** A delivery's state at its first run (or the first run after a replay): its schedule starts now. */
export function startDelivery(endpoint: string, schedule: readonly number[], now: number, replays = 0): WebhookDeliveryState {
  return {
    endpoint,
    attempts: 0,
    retries: 0,
    plannedRetries: schedule.length,
    firstAttemptAt: now,
    deadlineAt: now + scheduleSpan(schedule),
    ...(replays > 0 ? { replays } : {}),
  };
}

export type RetryPlan = { kind: 'retry'; at: number } | { kind: 'dead-letter' };

/**
 * After a failed attempt: the next one, or the end. The next waits the schedule's next delay plus
 * 0-20 % jitter — never sooner than the schedule says — and at least the receiver's Retry-After.
 * The end comes after the last scheduled attempt, and only once the schedule's span has passed since
 * the first (time held by the breaker counts: see `hold` in the processor); a schedule used up sooner
 * (made shorter since the delivery started) gets one last attempt when the span has passed.
 */
export function planRetry(
  state: Pick<WebhookDeliveryState, 'retries' | 'deadlineAt'>,
  schedule: readonly number[],
  now: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): RetryPlan {
  const delay = schedule[state.retries];
  if (delay === undefined)
    return now >= state.deadlineAt ? { kind: 'dead-letter' } : { kind: 'retry', at: Math.max(state.deadlineAt, now + (retryAfterMs ?? 0)) };
  return { kind: 'retry', at: now + Math.max(Math.round(delay * (1 + 0.2 * random())), retryAfterMs ?? 0) };
}
