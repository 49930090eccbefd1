import { RegionwatchError } from './regionwatch-error.js';

/** Where a request failed; `taskId` is absent for calls that have none (token, submit). */
export type AsposeErrorContext = { taskId?: string | undefined; statusCode?: number | undefined; cause?: unknown };

/**
 * Base of every failure of a call to Aspose: `AsposeTransientError`, `AsposeAuthError`,
 * `AsposePermanentError`. Messages name the task, never the token.
 */
export abstract class AsposeError extends RegionwatchError {
  readonly taskId: string | undefined;
  readonly statusCode: number | undefined;

  constructor(message: string, context: AsposeErrorContext) {
    super(
      message + (context.taskId === undefined ? '' : ` for task ${context.taskId}`),
      context.cause === undefined ? undefined : { cause: context.cause },
    );
    this.taskId = context.taskId;
    this.statusCode = context.statusCode;
  }
}
