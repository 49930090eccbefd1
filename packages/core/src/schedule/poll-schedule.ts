import type { Config } from '../config/config-schema.js';

export type ScheduleConfig = Pick<Config, 'POLL_INITIAL_DELAY_MS' | 'POLL_MAX_DELAY_MS'>;
export type DeadlineConfig = Pick<Config, 'TASK_DEADLINE_MS'>;

/** ±20 %: enough to spread tasks tracked in one burst apart, small enough to keep the curve. */
const JITTER = 0.2;

/**
 * Delay before the next poll after `polls` answers that said "not yet": the initial delay doubled
 * each poll, jittered, and clamped to [POLL_INITIAL_DELAY_MS, POLL_MAX_DELAY_MS]. A server's
 * `Retry-After` is a lower bound (it may lift the delay past the cap: the server said so).
 * `random` returns [0, 1): pass a seeded one in tests.
 */
export function nextPollDelay(polls: number, config: ScheduleConfig, random: () => number = Math.random, retryAfterMs?: number): number {
  const initial = config.POLL_INITIAL_DELAY_MS;
  const cap = config.POLL_MAX_DELAY_MS;
  const exponent = Math.min(Math.max(polls - 1, 0), 30); // 2^30 × anything is past any cap
  const base = Math.min(initial * 2 ** exponent, cap);
  const jittered = base * (1 - JITTER + 2 * JITTER * random());
  const delay = Math.round(Math.min(Math.max(jittered, initial), cap));
  return retryAfterMs !== undefined && retryAfterMs > delay ? Math.ceil(retryAfterMs) : delay;
}

/** Epoch ms after which the task is no longer polled and ends `Expired`. */
export function deadlineAt(submittedAt: string | number | Date, config: DeadlineConfig): number {
  return new Date(submittedAt).getTime() + config.TASK_DEADLINE_MS;
}

/** Whether `submittedAt + TASK_DEADLINE_MS` has passed at `now`. */
export function isPastDeadline(submittedAt: string | number | Date, config: DeadlineConfig, now: number = Date.now()): boolean {
  return now >= deadlineAt(submittedAt, config);
}
