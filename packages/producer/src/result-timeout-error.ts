import { RegionwatchError } from '@regionwatch/core';

/** `waitForResult` gave up: the task is still pending after `timeoutMs` (nothing was changed; wait again or look at `status`). */
export class ResultTimeoutError extends RegionwatchError {
  readonly code = 'RESULT_TIMEOUT';

  constructor(
    readonly taskId: string,
    readonly timeoutMs: number,
  ) {
    super(`task ${taskId} has no result after ${timeoutMs} ms: it is still pending (see status(); is a worker running?)`);
  }
}
