import { networkErrorCode, parseRetryAfter } from '@regionwatch/core';
import type { Verdict } from './endpoint-breaker.js';

/** One attempt's outcome as `regionwatch_webhook_attempts_total{outcome}` counts it. */
export const ATTEMPT_OUTCOMES = ['delivered', 'gone', 'rejected', 'throttled', 'server_error', 'timeout', 'unreachable'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** What one attempt means for the delivery, its endpoint's breaker, and the next attempt. */
export type DeliveryClassification = {
  outcome: AttemptOutcome;
  /** `ok`: delivered; `alive`: the receiver answered but did not take it; `fail`: counts toward opening the breaker. */
  verdict: Verdict;
  /** The receiver's Retry-After: a lower bound for this delivery's next attempt. */
  retryAfterMs: number | undefined;
  /** 429 or 503 with Retry-After: the whole endpoint waits this long. */
  pauseEndpointMs: number | undefined;
  /** A few words for logs, the delivery's state and the endpoint's last error. */
  summary: string;
  /** The HTTP status, when the receiver answered. */
  statusCode: number | undefined;
};

/**
 * An HTTP answer, decided from the status line alone (the body is never awaited): 2xx delivered; 410
 * stops the delivery; 5xx counts against the endpoint; 3xx (never followed) and other 4xx fail this
 * delivery only; 429 and 503 with Retry-After pause the endpoint.
 */
export function classifyResponse(statusCode: number, retryAfter: string | string[] | undefined, now = Date.now()): DeliveryClassification {
  const retryAfterMs = parseRetryAfter(retryAfter, now);
  const summary = `HTTP ${statusCode}`;
  const pauseEndpointMs =
    (statusCode === 429 || statusCode === 503) && retryAfterMs !== undefined && retryAfterMs > 0 ? retryAfterMs : undefined;
  const base = { retryAfterMs, pauseEndpointMs, summary, statusCode };
  if (statusCode >= 200 && statusCode < 300) return { ...base, outcome: 'delivered', verdict: 'ok' };
  if (statusCode === 410) return { ...base, outcome: 'gone', verdict: 'alive' };
  if (statusCode === 429) return { ...base, outcome: 'throttled', verdict: 'alive' };
  if (statusCode >= 500) return { ...base, outcome: 'server_error', verdict: 'fail' };
  return { ...base, outcome: 'rejected', verdict: 'alive' };
}

/** A request that got no answer: a timeout, a refused or reset connection, an unknown host. */
export function classifyNetworkError(error: unknown): DeliveryClassification {
  const code = networkErrorCode(error);
  const timedOut = code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT';
  return {
    outcome: timedOut ? 'timeout' : 'unreachable',
    verdict: 'fail',
    retryAfterMs: undefined,
    pauseEndpointMs: undefined,
    summary: timedOut ? 'timeout' : code,
    statusCode: undefined,
  };
}
