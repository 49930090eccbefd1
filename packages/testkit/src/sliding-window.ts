/**
 * The most timestamps that fall in any half-open window `[t, t + windowMs)` (sliding), e.g. requests
 * per second. Two pointers over the sorted times: linear after the sort, and it always ends — the
 * window must be a positive finite length (a window of 0 or less used to spin forever, synchronously,
 * where no test timeout could stop it), and every time a finite number.
 */
export function maxInSlidingWindow(times: readonly number[], windowMs: number): number {
  if (!Number.isFinite(windowMs) || windowMs <= 0) {
    throw new RangeError(`maxInSlidingWindow: the window must be a positive number of ms, got ${windowMs}`);
  }
  const bad = times.find((time) => !Number.isFinite(time));
  if (bad !== undefined) throw new RangeError(`maxInSlidingWindow: every time must be a finite number, got ${bad}`);
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  let start = 0;
  sorted.forEach((time, end) => {
    // `start` never passes `end`: sorted[end] - sorted[end] is 0, less than any positive window.
    while (time - (sorted[start] as number) >= windowMs) start += 1;
    max = Math.max(max, end - start + 1);
  });
  return max;
}
