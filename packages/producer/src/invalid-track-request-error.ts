import { RegionwatchError } from '@regionwatch/core';

/** A track request that cannot be accepted; `field` names what to fix. Nothing was written. */
export class InvalidTrackRequestError extends RegionwatchError {
  readonly code = 'INVALID_TRACK_REQUEST';
  readonly field: string;
  readonly taskId: unknown;

  constructor(field: string, reason: string, taskId: unknown) {
    super(`${field} ${reason}${field === 'taskId' ? '' : ` (task ${String(taskId)})`}`);
    this.field = field;
    this.taskId = taskId;
  }
}
