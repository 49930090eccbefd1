import type { Logger } from '@regionwatch/core';

// BullMQ's words for "this replica no longer holds that job's lock" (renewal or a script's check).
const LOST_LOCK = /could not renew lock for job|Missing lock for job|Lock mismatch for job/;

/**
 * Keeps lost job locks to one line a period. A replica loses the locks of the jobs it holds when
 * Redis was away longer than WORKER_LOCK_DURATION_MS (or the replica stalled): each then fails to
 * renew, at once, and another replica takes those jobs over through stalled-job recovery. That is
 * one event, however many jobs it touches; the count says how many.
 */
export class LostLockLog {
  private count = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly periodMs = 60_000,
  ) {}

  /** True when `error` is a lost lock (logged here, at most once a period); false for anything else. */
  report(error: Error, queue: string): boolean {
    if (!LOST_LOCK.test(error.message)) return false;
    if (this.timer) {
      this.count += 1;
      return true;
    }
    this.logger.warn(
      { queue, error: error.message },
      'lost the lock of a job (Redis was away, or this replica stalled): another replica takes it over; further ones are counted',
    );
    this.timer = setInterval(() => {
      if (this.count === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
        return;
      }
      this.logger.warn({ lostLocks: this.count, periodMs: this.periodMs }, 'more job locks lost');
      this.count = 0;
    }, this.periodMs);
    this.timer.unref();
    return true;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
