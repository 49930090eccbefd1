import type { Config } from '../config/config-schema.js';

export type ScheduleConfig = Pick<Config, 'POLL_INITIAL_DELAY_MS' | 'POLL_MAX_DELAY_MS'>;
export type DeadlineConfig = Pick<Config, 'TASK_DEADLINE_MS'>;

/** ±20 %: enough to spread tasks tracked in one burst apart, small enough to keep the curve. */
const JITTER = 0.2;

/**
 * Delay before the next poll after `polls` answers that said "not yet": the initial delay doubled
 * each poll and clamped to [POLL_INITIAL_DELAY_MS, POLL_MAX_DELAY_MS], then jittered by ±20 % within
 * that same range. Jitter comes after the clamp, so capped delays spread over [0.8 × cap, cap] instead
 * of half of them being exactly the cap (polls of tasks tracked together would stay in step). A
 * server's `Retry-After` is a lower bound (it may lift the delay past the cap: the server said so).
 * `random` returns [0, 1): pass a seeded one in tests.
 */
export function nextPollDelay(polls: number, config: ScheduleConfig, random: () => number = Math.random, retryAfterMs?: number): number {
  const initial = config.POLL_INITIAL_DELAY_MS;
  const cap = Math.max(config.POLL_MAX_DELAY_MS, initial);
  const exponent = Math.min(Math.max(polls - 1, 0), 30); // 2^30 × anything is past any cap
  const clamped = Math.min(Math.max(initial * 2 ** exponent, initial), cap);
  const low = Math.max(initial, clamped * (1 - JITTER));
  const high = Math.min(cap, clamped * (1 + JITTER));
  const delay = Math.min(Math.max(Math.round(low + (high - low) * random()), initial), cap);
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
