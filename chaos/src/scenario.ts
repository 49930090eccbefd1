import type { InvariantReport } from './invariant.js';

export type ChaosSize = 'small' | 'full';

/** What `npm run chaos` prints and `docs/guarantees.md` quotes, per scenario. */
export type ScenarioReport = InvariantReport & {
  name: string;
  size: ChaosSize;
  wallSeconds: number;
  /** Scenario-specific figures (kills, restarts, request rates, ...). */
  notes: Record<string, number | string | boolean>;
};

/** Sleeps, for the timelines scenarios follow (never inside a processor). */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `check` is true or `timeoutMs` passes; returns whether it became true. */
export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
}

/**
 * Waits until `done` is true for as long as `progress` (a count that grows as work gets done: results,
 * deliveries) keeps growing; gives up only when it has not grown for `stallMs`. Returns whether `done`
 * became true. For the end of a scenario: a busy machine only makes the work slower, and a fixed budget
 * would report slow work as lost work; a scenario that really loses work stops progressing and ends.
 */
export async function waitWhileProgressing(
  done: () => Promise<boolean> | boolean,
  progress: () => Promise<number>,
  stallMs: number,
  intervalMs = 100,
): Promise<boolean> {
  let last = Number.NEGATIVE_INFINITY;
  let lastChange = Date.now();
  for (;;) {
    if (await done()) return true;
    const now = await progress().catch(() => last); // Redis may be away for a moment: no reading is no progress
    if (now > last) [last, lastChange] = [now, Date.now()];
    else if (Date.now() - lastChange > stallMs) return false;
    await sleep(intervalMs);
  }
}
