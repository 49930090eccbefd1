import {
  AsposeAuthError,
  AsposePermanentError,
  AsposeTransientError,
  ConfigError,
  RateBudgetExhaustedError,
  RegionDecodeError,
} from '@regionwatch/core';
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { classifyPollFailure, type PollFailure } from './classify-poll-failure.js';

const ctx = { taskId: 't1' };
const auth = (retryAfterMs?: number): PollFailure => ({
  outcome: 'auth_error',
  readinessProblem: 'aspose',
  delay: { basis: 'transient-errors', retryAfterMs },
  answered: false,
});
const transient = (retryAfterMs?: number): PollFailure => ({
  outcome: 'transient_error',
  delay: { basis: 'transient-errors', retryAfterMs },
  answered: false,
});
const invalid = (answered: boolean): PollFailure => ({ outcome: 'invalid_response', delay: { basis: 'invalid-responses' }, answered });

describe('classifyPollFailure', () => {
  it.each<[string, unknown, PollFailure | undefined]>([
    [
      'our own rate budget spent',
      new RateBudgetExhaustedError({ max: 5, windowMs: 1_000 }, { ...ctx, retryAfterMs: 40 }),
      { outcome: 'rate_limited', delay: { basis: 'rate-budget', retryAfterMs: 40 }, answered: false },
    ],
    ['a network error', new AsposeTransientError('network', 'ECONNRESET', ctx), transient()],
    ['a timeout', new AsposeTransientError('timeout', 'no answer', ctx), transient()],
    ['a 5xx', new AsposeTransientError('server-error', 'HTTP 503', { ...ctx, statusCode: 503, retryAfterMs: 2_000 }), transient(2_000)],
    [
      'a 429 from Aspose',
      new AsposeTransientError('rate-limited', 'HTTP 429', { ...ctx, statusCode: 429, retryAfterMs: 7_000 }),
      transient(7_000),
    ],
    [
      'the token endpoint down',
      new AsposeTransientError('token-endpoint', 'HTTP 502', { statusCode: 502, retryAfterMs: 1_000 }),
      auth(1_000),
    ],
    ['refused credentials', new AsposeAuthError('refused', { statusCode: 401 }), auth()],
    ['another 4xx (a wrong ASPOSE_BASE_URL)', new AsposePermanentError('client-error', 'HTTP 404', { ...ctx, statusCode: 404 }), auth()],
    ['a 200 that is not JSON', new AsposePermanentError('invalid-body', 'not JSON', ctx), invalid(true)],
    ['a 200 that is not an OCRResponse', new AsposePermanentError('schema-mismatch', 'no taskStatus', ctx), invalid(true)],
    ['a 200 with an unknown status', new AsposePermanentError('unknown-status', 'Exploded', ctx), invalid(true)],
    [
      'an invalid body that came with a status',
      new AsposePermanentError('invalid-body', 'too large', { ...ctx, statusCode: 200 }),
      invalid(false),
    ],
    ['a bug', new TypeError('undefined is not a function'), undefined],
    ['an error of ours that is not about polling', new ConfigError([{ variable: 'X', message: 'is bad' }]), undefined],
    ['a decode error (handled where results are built)', new RegionDecodeError(0, 'data is empty'), undefined],
    ["BullMQ's own signal", new UnrecoverableError('stop'), undefined],
    ['a thrown string', 'boom', undefined],
  ])('%s', (_name, error, expected) => {
    expect(classifyPollFailure(error)).toEqual(expected);
  });
});
