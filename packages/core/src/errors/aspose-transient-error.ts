import { AsposeError, type AsposeErrorContext } from './aspose-error.js';

export type TransientReason = 'network' | 'timeout' | 'server-error' | 'rate-limited' | 'token-endpoint';

/** Worth asking again later: network error, timeout, 5xx, 429. Never ends a task; the worker retries on its own. */
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
