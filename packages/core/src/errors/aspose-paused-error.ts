import { RegionwatchError } from './regionwatch-error.js';

/**
 * Aspose throttled the account (a 429, or a 503 with `Retry-After`) and every replica pauses its
 * requests until then: this one was not sent. Not the task's doing: the poll is re-delayed until the
 * pause ends, with jitter so the waiting tasks do not all come back in the same instant.
 */
export class AsposePausedError extends RegionwatchError {
  readonly code = 'ASPOSE_PAUSED';
  readonly taskId: string | undefined;
  /** How much longer the pause lasts, in ms from now (at least 1). */
  readonly retryAfterMs: number;

  constructor(retryAfterMs: number, taskId?: string) {
    super(
      `requests to Aspose are paused for ${retryAfterMs} ms across all replicas (Aspose answered 429, or 503 with Retry-After)` +
        (taskId === undefined ? '' : `; task ${taskId} waits`),
    );
    this.taskId = taskId;
    this.retryAfterMs = Math.max(1, retryAfterMs);
  }
}
