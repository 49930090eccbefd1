/** An hour: a longer `Retry-After` is treated as a mistake, not an instruction to sleep a day. */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/**
 * Parses `Retry-After` (delta-seconds or an HTTP-date) into ms from `now`, clamped to
 * [0, MAX_RETRY_AFTER_MS]. Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return undefined;
  let ms: number;
  if (/^\d+$/.test(raw)) {
    ms = Number(raw) * 1000;
  } else if (/[A-Za-z]/.test(raw)) {
    const at = Date.parse(raw);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  } else {
    return undefined;
  }
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}
