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
