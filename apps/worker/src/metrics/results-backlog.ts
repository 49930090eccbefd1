import type { Logger } from '@regionwatch/core';
import type { Queue } from 'bullmq';
import type { Readiness } from '../health/readiness.js';

export type ResultsBacklogOptions = {
  queue: Queue;
  /** RESULTS_BACKLOG_WARN: waiting jobs above which the replica warns; 0 = never. */
  threshold: number;
  readiness: Readiness;
  logger: Logger;
  /** Called with each count read (the `regionwatch_results_backlog_jobs` gauge). */
  observe: (waiting: number) => void;
  /** @defaultValue 15 000 */
  intervalMs?: number;
};

/**
 * Watches the results queue for a consumer that is missing or too slow: every result waits there,
 * in Redis, until consumed, so an unconsumed queue grows Redis until it stops. Past the threshold the
 * replica logs a warning (once, and once more when it is back under) and `/readyz` names
 * `results_backlog`. The waiting count is one LLEN every `intervalMs` per replica.
 */
export class ResultsBacklogWatch {
  private timer: NodeJS.Timeout | undefined;
  private over = false;

  constructor(private readonly options: ResultsBacklogOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.check().catch(() => {}), this.options.intervalMs ?? 15_000).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads the waiting count now, updates the gauge, readiness and logs; returns the count. */
  async check(): Promise<number> {
    const { queue, threshold, readiness, logger } = this.options;
    const waiting = await queue.getWaitingCount();
    this.options.observe(waiting);
    const over = threshold > 0 && waiting > threshold;
    if (over) readiness.setProblem('results_backlog', `${waiting} results wait in ${queue.name} (RESULTS_BACKLOG_WARN is ${threshold})`);
    if (over && !this.over) {
      logger.warn(
        { queue: queue.name, waiting, threshold },
        'the results queue is not being consumed fast enough: results pile up in Redis (see docs/operations.md, "Results pile up")',
      );
    }
    if (!over && this.over) {
      readiness.setProblem('results_backlog', undefined);
      logger.info({ queue: queue.name, waiting, threshold }, 'the results queue backlog is back under RESULTS_BACKLOG_WARN');
    }
    this.over = over;
    return waiting;
  }
}
