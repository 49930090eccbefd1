import { RegionwatchError } from '../errors.js';

/** Where a request failed; `taskId` is absent for calls that have none (token, submit). */
export type AsposeErrorContext = { taskId?: string | undefined; statusCode?: number | undefined; cause?: unknown };

function subject(context: AsposeErrorContext): string {
  return context.taskId === undefined ? '' : ` for task ${context.taskId}`;
}

/** Base of every failure of a call to Aspose. Messages name the task, never the token. */
export abstract class AsposeError extends RegionwatchError {
  readonly taskId: string | undefined;
  readonly statusCode: number | undefined;

  constructor(message: string, context: AsposeErrorContext) {
    super(message + subject(context), context.cause === undefined ? undefined : { cause: context.cause });
    this.taskId = context.taskId;
    this.statusCode = context.statusCode;
  }
}

export type TransientReason = 'network' | 'timeout' | 'server-error' | 'rate-limited' | 'token-endpoint';

/** Worth asking again later: network error, timeout, 5xx, 429. Never ends a task. */
export class AsposeTransientError extends AsposeError {
  readonly code = 'ASPOSE_TRANSIENT';
  readonly reason: TransientReason;
  /** The server's `Retry-After`, in ms from now, when it sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(reason: TransientReason, message: string, context: AsposeErrorContext & { retryAfterMs?: number | undefined }) {
    super(message, context);
    this.reason = reason;
    this.retryAfterMs = context.retryAfterMs;
  }
}

/**
 * The credentials were refused, or the token endpoint answered something unusable. Not the task's
 * fault: the worker keeps the task waiting, logs loudly and reports not-ready until it clears.
 */
export class AsposeAuthError extends AsposeError {
  readonly code = 'ASPOSE_AUTH';
}

export type PermanentReason = 'client-error' | 'invalid-body' | 'schema-mismatch' | 'unknown-status';

/** Asking again the same way will not help: another 4xx, a body that is not JSON or not the schema. */
export class AsposePermanentError extends AsposeError {
  readonly code = 'ASPOSE_PERMANENT';
  readonly reason: PermanentReason;

  constructor(reason: PermanentReason, message: string, context: AsposeErrorContext) {
    super(message, context);
    this.reason = reason;
  }
}
