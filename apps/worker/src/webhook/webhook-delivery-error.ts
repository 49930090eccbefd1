import { RegionwatchError } from '@regionwatch/core';

/**
 * A failed delivery that is worth retrying (the receiver was unreachable or answered other than
 * 2xx/410); carries the receiver's `Retry-After`, if any. BullMQ retries it with the webhook backoff
 * until WEBHOOK_MAX_ATTEMPTS; then it is a dead letter, replayable with `npm run replay`.
 */
export class WebhookDeliveryError extends RegionwatchError {
  readonly code = 'WEBHOOK_DELIVERY_FAILED';
  readonly retryAfterMs: number | undefined;
  readonly statusCode: number | undefined;

  constructor(message: string, options: { statusCode?: number | undefined; retryAfterMs?: number | undefined; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.statusCode = options.statusCode;
    this.retryAfterMs = options.retryAfterMs;
  }
}
