import {
  AsposeAuthError,
  AsposePausedError,
  AsposePermanentError,
  AsposeTransientError,
  ConfigError,
  RateBudgetExhaustedError,
  RegionDecodeError,
  type PermanentReason,
  type TransientReason,
} from '@regionwatch/core';
import { describe, expect, it } from 'vitest';
import { classifyPollFailure, type PollFailure } from '../src/index.js';

// The table as docs/guarantees.md and the README state it, written out here as literals: what each
// failure counts as (the polls_total outcome), whether /readyz blames Aspose, what the next delay is
// based on, and whether every replica pauses. (Whether a GET went out, what `polls` counts, is the
// Aspose client's to say: see poll-processor.test.ts.)
// toStrictEqual: a readiness problem or a pause that appears where none belongs (or vanishes) is a
// different classification.
const transient = (reason: TransientReason, retryAfterMs?: number, statusCode = 502) =>
  new AsposeTransientError(reason, `transient ${reason}`, { taskId: 't-1', statusCode, retryAfterMs });
const AUTH = { reason: 'aspose_auth', scope: 'global' } as const;
const permanent = (reason: PermanentReason, statusCode?: number) => new AsposePermanentError(reason, `permanent ${reason}`, { statusCode });

describe('classifyPollFailure', () => {
  it('our own rate budget: rate_limited, re-delayed by the limiter’s wait, nothing sent', () => {
    const error = new RateBudgetExhaustedError({ max: 2, windowMs: 1_000 }, { taskId: 't-1', retryAfterMs: 137 });
    expect(classifyPollFailure(error)).toStrictEqual({
      outcome: 'rate_limited',
      delay: { basis: 'held-back', reason: 'rate-budget', retryAfterMs: 137 },
    } satisfies PollFailure);
  });

  it('every replica pausing after Aspose throttled the account: rate_limited, held back, nothing sent', () => {
    expect(classifyPollFailure(new AsposePausedError(900, 't-1'))).toStrictEqual({
      outcome: 'rate_limited',
      delay: { basis: 'held-back', reason: 'paused', retryAfterMs: 900 },
    } satisfies PollFailure);
  });

  it('a 429, or a 503 with Retry-After: the account is throttled, every replica pauses that long (1 s without a hint)', () => {
    expect(classifyPollFailure(transient('rate-limited', 3_000, 429))).toStrictEqual({
      outcome: 'transient_error',
      delay: { basis: 'transient-errors', retryAfterMs: 3_000 },
      pauseMs: 3_000,
    } satisfies PollFailure);
    expect(classifyPollFailure(transient('rate-limited', undefined, 429))).toStrictEqual({
      outcome: 'transient_error',
      delay: { basis: 'transient-errors', retryAfterMs: undefined },
      pauseMs: 1_000,
    } satisfies PollFailure);
    expect(classifyPollFailure(transient('server-error', 2_000, 503))).toStrictEqual({
      outcome: 'transient_error',
      delay: { basis: 'transient-errors', retryAfterMs: 2_000 },
      pauseMs: 2_000,
    } satisfies PollFailure);
  });

  it.each(['network', 'timeout', 'server-error'] as const)(
    'a transient %s failure: transient_error, back-off with the server’s Retry-After, readiness untouched, no pause',
    (reason) => {
      expect(classifyPollFailure(transient(reason, 4_000))).toStrictEqual({
        outcome: 'transient_error',
        delay: { basis: 'transient-errors', retryAfterMs: 4_000 },
      } satisfies PollFailure);
      expect(classifyPollFailure(transient(reason))).toStrictEqual({
        outcome: 'transient_error',
        delay: { basis: 'transient-errors', retryAfterMs: undefined },
      } satisfies PollFailure);
    },
  );

  it('the token endpoint failing, even transiently: auth_error and /readyz blames Aspose', () => {
    expect(classifyPollFailure(transient('token-endpoint', 9_000))).toStrictEqual({
      outcome: 'auth_error',
      problem: AUTH,
      delay: { basis: 'transient-errors', retryAfterMs: 9_000 },
    } satisfies PollFailure);
  });

  it('refused credentials: auth_error, /readyz blames Aspose, back-off without a server hint', () => {
    expect(classifyPollFailure(new AsposeAuthError('refused', { statusCode: 401 }))).toStrictEqual({
      outcome: 'auth_error',
      problem: AUTH,
      delay: { basis: 'transient-errors', retryAfterMs: undefined },
    } satisfies PollFailure);
  });

  it('a 4xx other than 401/403/408/429 (a wrong URL): client_error, the task waits; /readyz only for a spell of them', () => {
    expect(classifyPollFailure(permanent('client-error', 404))).toStrictEqual({
      outcome: 'client_error',
      problem: { reason: 'aspose_misconfigured', scope: 'spell' },
      delay: { basis: 'transient-errors', retryAfterMs: undefined },
    } satisfies PollFailure);
  });

  it.each(['invalid-body', 'schema-mismatch', 'unknown-status'] as const)(
    'an answer that cannot be read (%s): invalid_response, on the normal back-off, whatever its status code',
    (reason) => {
      expect(classifyPollFailure(permanent(reason))).toStrictEqual({
        outcome: 'invalid_response',
        problem: { reason: 'aspose_invalid_response', scope: 'spell' },
        delay: { basis: 'unreadable-answer' },
      } satisfies PollFailure);
      expect(classifyPollFailure(permanent(reason, 500))).toStrictEqual({
        outcome: 'invalid_response',
        problem: { reason: 'aspose_invalid_response', scope: 'spell' },
        delay: { basis: 'unreadable-answer' },
      } satisfies PollFailure);
    },
  );

  it('anything else is not a poll failure it knows: undefined, so the processor rethrows it', () => {
    for (const error of [
      new Error('boom'),
      new TypeError('x is undefined'),
      new ConfigError([{ variable: 'REDIS_URL', message: 'missing' }]),
      new RegionDecodeError(0, 'data is missing'),
      'a string',
      undefined,
      null,
      { reason: 'token-endpoint', retryAfterMs: 1 },
    ]) {
      expect(classifyPollFailure(error)).toBeUndefined();
    }
  });
});
