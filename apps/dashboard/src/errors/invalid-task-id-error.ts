import { RegionwatchError } from '@regionwatch/core';

/** The id in the URL cannot be an Aspose task id (answered with 400, before touching Redis). */
export class InvalidTaskIdError extends RegionwatchError {
  readonly code = 'TASK_ID_INVALID';

  constructor(
    readonly taskId: string,
    reason: string,
  ) {
    super(`"${taskId}" is not a task id: ${reason}`);
  }
}
