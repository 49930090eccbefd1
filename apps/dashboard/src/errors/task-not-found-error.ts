import { RegionwatchError } from '@regionwatch/core';

/** No queue holds a job for this id: never tracked, or finished long enough ago to be removed. */
export class TaskNotFoundError extends RegionwatchError {
  readonly code = 'TASK_NOT_FOUND';

  constructor(readonly taskId: string) {
    super(`No job for task ${taskId} in any queue: it was never tracked, or its jobs were removed after their retention time`);
  }
}
