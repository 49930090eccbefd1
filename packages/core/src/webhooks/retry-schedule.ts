import { MAX_RETRY_AFTER_MS } from '../http/retry-after.js';

/**
 * The Standard Webhooks retry schedule (Svix's): the delays before each retry, after a first attempt
 * made at once. Ten attempts over about three days and three hours.
 */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,14h,20h,24h';

/** Retries a schedule may list; past that a list is a mistake, not a plan. */
export const MAX_SCHEDULED_RETRIES = 100;

/** The longest single delay accepted: a week. */
export const MAX_RETRY_DELAY_MS = 7 * 24 * 3_600_000;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** `250ms`, `5s`, `1.5m`, `2h` → milliseconds (rounded); undefined when it is not one of those. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match?.[1] || !match[2]) return undefined;
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
}

/** A parsed `WEBHOOK_RETRY_SCHEDULE`, or what is wrong with it (never repeating the value). */
export type ParsedSchedule = { delays: number[] } | { problem: string };

/** `5s,5m,30m` → `[5000, 300000, 1800000]`: the delay before each retry, in order. */
export function parseRetrySchedule(text: string): ParsedSchedule {
  const entries = text.split(',').map((entry) => entry.trim());
  if (entries.length > MAX_SCHEDULED_RETRIES) return { problem: `must list at most ${MAX_SCHEDULED_RETRIES} delays` };
  const delays: number[] = [];
  for (const [index, entry] of entries.entries()) {
    const ms = parseDuration(entry);
    const which = `delay ${index + 1} of ${entries.length}`;
    if (ms === undefined) return { problem: `${which} is not a number with a unit (ms, s, m or h), e.g. 5s,5m,30m` };
    if (ms < 1) return { problem: `${which} must be at least 1ms` };
    if (ms > MAX_RETRY_DELAY_MS) return { problem: `${which} must be at most 168h (a week)` };
    delays.push(ms);
  }
  return { delays };
}

/**
 * The schedule the older variables described: `maxAttempts - 1` retries, the first after `baseMs`,
 * each twice the one before, at most an hour each (what regionwatch 0.1 did).
 */
export function legacyRetrySchedule(maxAttempts: number, baseMs: number): number[] {
  return Array.from({ length: Math.max(0, maxAttempts - 1) }, (_, n) => Math.min(baseMs * 2 ** Math.min(n, 40), MAX_RETRY_AFTER_MS));
}

/** The time a schedule covers: the sum of its delays. A delivery is dead-lettered only after it. */
export function scheduleSpan(delays: readonly number[]): number {
  return delays.reduce((sum, delay) => sum + delay, 0);
}

/** 272100 → `4m 32.1s`; 3600000 → `1h`: for messages and logs. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0) parts.push(`${Number((rest / 1_000).toFixed(rest % 1_000 === 0 ? 0 : 1))}s`);
  return parts.join(' ');
}
