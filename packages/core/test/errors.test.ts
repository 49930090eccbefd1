import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  asposeErrorForStatus,
  AsposeAuthError,
  AsposePermanentError,
  AsposeTransientError,
  ConfigError,
  boundMessages,
  describeIssues,
  TEXT_LIMITS,
  truncateText,
  RateBudgetExhaustedError,
  RedisUnavailableError,
  RegionDecodeError,
  RegionwatchError,
} from '../src/index.js';

const response = (statusCode: number, body = '', headers: Record<string, string> = {}) => ({ statusCode, headers, body });

describe('the error hierarchy', () => {
  it.each([
    [new ConfigError([{ variable: 'X', message: 'is bad' }]), 'CONFIG_INVALID'],
    [new RedisUnavailableError(500), 'REDIS_UNAVAILABLE'],
    [new RegionDecodeError(0, 'data is empty'), 'REGION_DECODE_FAILED'],
    [new RateBudgetExhaustedError({ max: 5, windowMs: 1_000 }, { retryAfterMs: 10 }), 'RATE_BUDGET_EXHAUSTED'],
    [new AsposeTransientError('network', 'network error', {}), 'ASPOSE_TRANSIENT'],
    [new AsposeAuthError('refused', {}), 'ASPOSE_AUTH'],
    [new AsposePermanentError('client-error', 'HTTP 404', {}), 'ASPOSE_PERMANENT'],
  ])('%s is a RegionwatchError with a stable code and its class name', (error, code) => {
    expect(error).toBeInstanceOf(RegionwatchError);
    expect(error.code).toBe(code);
    expect(error.name).toBe(error.constructor.name);
  });

  it('keeps our own rate budget apart from what Aspose answered', () => {
    const error = new RateBudgetExhaustedError({ max: 5, windowMs: 1_000 }, { taskId: 't1', retryAfterMs: 40 });
    expect(error).not.toBeInstanceOf(AsposeTransientError);
    expect(error.message).toMatch(/ASPOSE_MAX_RPS reached \(5 per 1000 ms across all replicas\) for task t1: .*raise ASPOSE_MAX_RPS/);
  });

  it('says what to do when Redis does not answer, with the connection error', () => {
    const error = new RedisUnavailableError(2_000, new Error('connect ECONNREFUSED 127.0.0.1:1'));
    expect(error.message).toMatch(/^Redis did not answer within 2000 ms: connect ECONNREFUSED 127\.0\.0\.1:1; check REDIS_URL/);
    expect(error.cause).toBeInstanceOf(Error);
  });
});

describe('asposeErrorForStatus', () => {
  it.each([
    ['api', 200, undefined, undefined],
    ['api', 204, undefined, undefined],
    ['api', 401, AsposeAuthError, undefined],
    ['api', 403, AsposeAuthError, undefined],
    ['api', 408, AsposeTransientError, 'server-error'],
    ['api', 429, AsposeTransientError, 'rate-limited'],
    ['api', 500, AsposeTransientError, 'server-error'],
    ['api', 503, AsposeTransientError, 'server-error'],
    ['api', 400, AsposePermanentError, 'client-error'],
    ['api', 404, AsposePermanentError, 'client-error'],
    ['api', 302, AsposePermanentError, 'client-error'],
    ['token', 200, undefined, undefined],
    ['token', 201, AsposeAuthError, undefined],
    ['token', 400, AsposeAuthError, undefined],
    ['token', 401, AsposeAuthError, undefined],
    ['token', 408, AsposeTransientError, 'token-endpoint'],
    ['token', 429, AsposeTransientError, 'token-endpoint'],
    ['token', 502, AsposeTransientError, 'token-endpoint'],
  ] as const)('%s HTTP %i → %o (%s)', (endpoint, status, errorClass, reason) => {
    const error = asposeErrorForStatus(endpoint, response(status), 'task-1');
    if (errorClass === undefined) {
      expect(error).toBeUndefined();
      return;
    }
    expect(error).toBeInstanceOf(errorClass);
    expect(error?.statusCode).toBe(status);
    if (reason !== undefined) expect(error).toMatchObject({ reason });
  });

  it("passes the server's Retry-After on with transient answers only", () => {
    expect(asposeErrorForStatus('api', response(503, '', { 'retry-after': '7' }))).toMatchObject({ retryAfterMs: 7_000 });
    expect(asposeErrorForStatus('token', response(429, '', { 'retry-after': '2' }))).toMatchObject({ retryAfterMs: 2_000 });
    expect(asposeErrorForStatus('api', response(404, '', { 'retry-after': '7' }))).not.toHaveProperty('retryAfterMs');
  });

  it('names the task, quotes the start of a refused body and tells what to check on a refused token request', () => {
    expect(asposeErrorForStatus('api', response(404, 'no  such\nthing'), 'task-1')?.message).toBe(
      'Aspose answered HTTP 404: "no such thing" for task task-1',
    );
    expect(asposeErrorForStatus('token', response(400, '{"error":"invalid_client"}'))?.message).toBe(
      'token endpoint refused the credentials (HTTP 400, invalid_client): check ASPOSE_CLIENT_ID and ASPOSE_CLIENT_SECRET',
    );
  });
});

describe('describeIssues', () => {
  it('writes every issue as path: message, with the paths zod itself writes', () => {
    const schema = z.object({ a: z.string(), list: z.array(z.object({ 'odd-key': z.number() })) });
    const parsed = schema.safeParse({ a: 1, list: [{ 'odd-key': 'x' }] });
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    expect(describeIssues(parsed.error, 'data')).toBe(
      'a: Invalid input: expected string, received number; list[0]["odd-key"]: Invalid input: expected number, received string',
    );
    const whole = z.string().safeParse(1);
    if (!whole.success) expect(describeIssues(whole.error, '(body)')).toBe('(body): Invalid input: expected string, received number');
  });

  it('names the first three issues and counts the rest, each cut to a line', () => {
    const parsed = z.array(z.string()).safeParse(Array.from({ length: 10_000 }, (_, i) => i));
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    expect(describeIssues(parsed.error, 'data')).toBe(
      '[0]: Invalid input: expected string, received number; [1]: Invalid input: expected string, received number; ' +
        '[2]: Invalid input: expected string, received number; and 9997 more',
    );
    const long = z.object({ ['k'.repeat(5_000)]: z.string() }).safeParse({});
    if (!long.success) expect(describeIssues(long.error, 'data').length).toBeLessThan(300);
  });
});

describe('boundMessages and truncateText', () => {
  it('keep the first messages, each about a kilobyte, and say what was left out', () => {
    expect(truncateText('abc', 5)).toBe('abc');
    expect(truncateText('abcdefgh', 5)).toBe('abcde… (3 more characters)');
    const messages = boundMessages(Array.from({ length: 25 }, (_, i) => `${i}:${'x'.repeat(2_000)}`));
    expect(messages).toHaveLength(TEXT_LIMITS.messages + 1);
    expect(messages.at(-1)).toBe('… and 5 more');
    expect(messages[0]?.length).toBeLessThan(TEXT_LIMITS.messageChars + 40);
    expect(boundMessages(null)).toEqual([]);
  });
});
