import { MAX_RETRY_AFTER_MS } from '@regionwatch/core';
import { WebhookDeliveryError } from './webhook-delivery-error.js';

/** BullMQ backoff type name for webhook jobs; the strategy below is registered on the worker. */
export const WEBHOOK_BACKOFF_TYPE = 'regionwatch-webhook';

/**
 * Delay before retry `attemptsMade` (1 = the first retry): base × 2^(n-1), ±20 % jitter, at most
 * an hour; the receiver's `Retry-After` is a lower bound.
 */
export function webhookRetryDelay(attemptsMade: number, baseMs: number, error: unknown, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attemptsMade - 1, 0), 30);
  const delay = Math.min(baseMs * 2 ** exponent, MAX_RETRY_AFTER_MS) * (0.8 + 0.4 * random());
  const retryAfter = error instanceof WebhookDeliveryError ? (error.retryAfterMs ?? 0) : 0;
  return Math.round(Math.max(delay, retryAfter));
}
