import { RegionwatchError } from '@regionwatch/core';

/** `waitForResult` was asked about an id regionwatch does not track and has no result for (never tracked, or decided over 25 h ago). */
export class TaskNotTrackedError extends RegionwatchError {
  readonly code = 'TASK_NOT_TRACKED';

  constructor(readonly taskId: string) {
    super(`task ${taskId} is not tracked and has no result in the last 25 h: track it first (track() or npm run track)`);
  }
}
