import type * as crypto from 'node:crypto';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { testRedis } from '@regionwatch/testkit/vitest';
import { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureLogs } from '../../test/support/log-capture.js';
import { basicAuth, parseBasicAuthorization } from './basic-auth.js';
import { createLoginLimiter, type LoginLimiter } from './login-limiter.js';

// timingSafeEqual, watched: the structural proof that credentials are compared in constant time is
// what it is called with, and how often, whatever the credentials typed.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof crypto>();
  return { ...actual, timingSafeEqual: vi.fn((a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => actual.timingSafeEqual(a, b)) };
});
const compared = vi.mocked(timingSafeEqual);
beforeEach(() => {
  compared.mockClear(); // (a hook that returned the mock would have it called as a teardown)
});

const header = (text: string) => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`;

describe('parseBasicAuthorization', () => {
  it('splits at the first colon: the password may hold more', () => {
    expect(parseBasicAuthorization(header('ops:pa:ss:word'))).toEqual({ user: 'ops', password: 'pa:ss:word' });
    expect(parseBasicAuthorization(header('ops:'))).toEqual({ user: 'ops', password: '' });
    expect(parseBasicAuthorization(header('öps:pässwörd'))).toEqual({ user: 'öps', password: 'pässwörd' });
  });

  it('accepts the scheme in any case', () => {
    expect(parseBasicAuthorization(`bAsIc ${Buffer.from('a:b').toString('base64')}`)).toEqual({ user: 'a', password: 'b' });
  });

  it('takes any run of spaces after the scheme and trailing spaces, with or without padding', () => {
    expect(parseBasicAuthorization(`Basic    ${Buffer.from('a:b').toString('base64')}  `)).toEqual({ user: 'a', password: 'b' });
    expect(parseBasicAuthorization('Basic YTpi')).toEqual({ user: 'a', password: 'b' }); // 'a:b', no padding needed
    expect(parseBasicAuthorization('Basic YTpiYw==')).toEqual({ user: 'a', password: 'bc' });
    expect(parseBasicAuthorization('Basic YTpiY2Q=')).toEqual({ user: 'a', password: 'bcd' });
  });

  it('keeps an empty user name (a colon first) as the empty string', () => {
    expect(parseBasicAuthorization(header(':only-password'))).toEqual({ user: '', password: 'only-password' });
  });

  it('refuses text before the scheme or after the credentials, and more than two padding characters', () => {
    expect(parseBasicAuthorization(`xBasic ${Buffer.from('a:b').toString('base64')}`)).toBeUndefined();
    expect(parseBasicAuthorization(`Basic ${Buffer.from('a:b').toString('base64')} extra`)).toBeUndefined();
    expect(parseBasicAuthorization('BasicYTpi')).toBeUndefined();
    expect(parseBasicAuthorization('Basic YTpiYw===')).toBeUndefined();
  });

  it('refuses anything that is not Basic credentials', () => {
    expect(parseBasicAuthorization(undefined)).toBeUndefined();
    expect(parseBasicAuthorization('')).toBeUndefined();
    expect(parseBasicAuthorization(header('no-colon'))).toBeUndefined();
    expect(parseBasicAuthorization(`Bearer ${Buffer.from('a:b').toString('base64')}`)).toBeUndefined();
    expect(parseBasicAuthorization('Basic not*base64')).toBeUndefined();
    expect(parseBasicAuthorization('Basic')).toBeUndefined();
  });
});

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Runs the middleware on one request: `'next'` when it let the request through, else the status it answered. */
function answer(handler: RequestHandler, authorization: string | undefined): Promise<'next' | number> {
  return new Promise((resolve, reject) => {
    let status = 0;
    const response = {
      status(code: number) {
        status = code;
        return response;
      },
      set: () => response,
      send: () => {
        resolve(status);
        return response;
      },
    };
    const request = { headers: { authorization }, ip: '127.0.0.1', method: 'GET', path: '/queues' };
    const next: NextFunction = (error?: unknown) =>
      error === undefined ? resolve('next') : reject(error instanceof Error ? error : new Error('next() was called with a non-Error'));
    handler(request as unknown as Request, response as unknown as Response, next);
  });
}

describe('basicAuth', () => {
  const USER = 'ops';
  const PASSWORD = 'correct horse battery staple';
  const handler = basicAuth({ user: USER, password: PASSWORD });

  it.each([
    ['the right user and password', 'next', USER, PASSWORD],
    ['a wrong password', 401, USER, 'wrong'],
    ['a wrong user with the right password', 401, 'root', PASSWORD],
    ['both wrong', 401, 'root', 'wrong'],
    ['a password one character short', 401, USER, PASSWORD.slice(0, -1)],
    ['a password one character long', 401, USER, `${PASSWORD}!`],
    ['the user and password swapped', 401, PASSWORD, USER],
    ['empty ones', 401, '', ''],
    ['a 10 000-character user', 401, 'u'.repeat(10_000), PASSWORD],
  ] as const)('%s: answers %s, having compared both halves as fixed-length digests', async (_name, expected, user, password) => {
    const header = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
    expect(await answer(handler, header)).toBe(expected);
    // Always exactly two comparisons — the user's and the password's — even when the first already
    // failed (no short circuit), each of 32-byte SHA-256 digests whatever the length typed, and each
    // against the digest of what is configured (so nothing was compared as a plain string first).
    expect(compared).toHaveBeenCalledTimes(2);
    const calls = compared.mock.calls.map(([given, configured]) => ({
      given: Buffer.from(given as Uint8Array),
      configured: Buffer.from(configured as Uint8Array),
    }));
    expect(calls.map((call) => [call.given.length, call.configured.length])).toEqual([
      [32, 32],
      [32, 32],
    ]);
    expect(calls.map((call) => call.given)).toEqual([sha256(user), sha256(password)]);
    expect(calls.map((call) => call.configured)).toEqual([sha256(USER), sha256(PASSWORD)]);
  });

  it('challenges a request without credentials, comparing nothing', async () => {
    expect(await answer(handler, undefined)).toBe(401);
    expect(await answer(handler, 'Bearer abc')).toBe(401);
    expect(compared).not.toHaveBeenCalled();
  });
});

/** What the middleware did with one request: passed it on, or answered with a status, headers and body. */
type Outcome = { next: true } | { status: number; headers: Record<string, string>; body: string };

function respond(handler: RequestHandler, authorization: string | undefined, ip = '198.51.100.7', path = '/queues'): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    let status = 0;
    const headers: Record<string, string> = {};
    const response = {
      status(code: number) {
        status = code;
        return response;
      },
      set(fields: Record<string, string>) {
        Object.assign(headers, fields);
        return response;
      },
      send(body: string) {
        resolve({ status, headers, body });
        return response;
      },
    };
    const request = { headers: { authorization }, ip, method: 'POST', path };
    const next: NextFunction = (error?: unknown) =>
      error === undefined
        ? resolve({ next: true })
        : reject(error instanceof Error ? error : new Error('next() was called with a non-Error'));
    handler(request as unknown as Request, response as unknown as Response, next);
  });
}

describe('basicAuth answers', () => {
  const handler = basicAuth({ user: 'ops', password: 'correct horse battery staple' });

  it('a challenge: 401, the realm, no caching, plain text', async () => {
    for (const authorization of [undefined, header('ops:wrong')]) {
      expect(await respond(handler, authorization)).toEqual({
        status: 401,
        headers: {
          'www-authenticate': 'Basic realm="regionwatch"',
          'cache-control': 'no-store',
          'content-type': 'text/plain; charset=utf-8',
        },
        body: 'authentication required\n',
      });
    }
  });
});

describe('basicAuth with a failed-login limiter (real Redis)', () => {
  const USER = 'ops';
  const PASSWORD = 'correct horse battery staple';
  const { url, prefix } = testRedis('basic-auth-limit');
  const connection = new Redis(url);
  afterAll(() => connection.disconnect());
  const WINDOW_SECONDS = 600;

  /** A real limiter (3 failures per 10 minutes) whose calls the test can count. */
  function setup(label: string) {
    const real = createLoginLimiter({ connection, prefix: `${prefix}-${label}`, limit: { failures: 3, windowSeconds: WINDOW_SECONDS } });
    const calls = {
      check: vi.fn((client: string) => real.check(client)),
      recordFailure: vi.fn((client: string) => real.recordFailure(client)),
      forgive: vi.fn((client: string) => real.forgive(client)),
    };
    const limiter: LoginLimiter = calls;
    const logs = captureLogs();
    return { calls, logs, handler: basicAuth({ user: USER, password: PASSWORD }, { limiter, logger: logs.logger }) };
  }

  it('logs each failed login at warn: client, whether the user matched, the count, blocked or not — never what was typed', async () => {
    const { handler, logs } = setup('log');
    const typedPassword = 'hunter2-typed-password';
    const longPath = `/${'p'.repeat(300)}`;
    expect(await respond(handler, header(`${USER}:${typedPassword}`), '198.51.100.7', longPath)).toMatchObject({ status: 401 });
    expect(await respond(handler, header(`someone-else:${typedPassword}`))).toMatchObject({ status: 401 });
    expect(await respond(handler, header(`${USER}:${typedPassword}`))).toMatchObject({ status: 401 });
    // Exactly these fields, beyond pino's own (pid, hostname, time): nothing else typed can slip in.
    const fields = logs.lines.map(({ pid: _pid, hostname: _hostname, time: _time, ...rest }) => rest);
    expect(fields).toEqual([
      {
        level: 'warn',
        msg: 'dashboard login failed',
        client: '198.51.100.7',
        userMatches: true,
        failures: 1,
        blocked: false,
        method: 'POST',
        path: longPath.slice(0, 200),
      },
      expect.objectContaining({ userMatches: false, failures: 2, blocked: false }),
      expect.objectContaining({ userMatches: true, failures: 3, blocked: true }),
    ]);
    expect(logs.text()).not.toContain(typedPassword);
    expect(logs.text()).not.toContain('someone-else');
  });

  it('once blocked, answers 429 with Retry-After in seconds and the wait in minutes, without comparing credentials', async () => {
    const { handler, logs, calls } = setup('block');
    for (let i = 0; i < 3; i++) expect(await respond(handler, header(`${USER}:wrong`))).toMatchObject({ status: 401 });
    compared.mockClear();
    logs.lines.length = 0;
    const blocked = await respond(handler, header(`${USER}:${PASSWORD}`)); // even the right password
    expect(compared).not.toHaveBeenCalled();
    expect(calls.recordFailure).toHaveBeenCalledTimes(3); // the refused attempt is not counted again
    if (!('status' in blocked)) throw new Error('a blocked client was let through');
    expect(blocked.status).toBe(429);
    expect(blocked.headers['cache-control']).toBe('no-store');
    expect(blocked.headers['content-type']).toBe('text/plain; charset=utf-8');
    const retryAfter = Number(blocked.headers['retry-after']);
    // The window started with the first failure, moments ago: between a few seconds short of it and all of it, in whole seconds.
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(WINDOW_SECONDS - 60);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(blocked.body).toBe(`too many failed logins from this address: try again in ${Math.ceil(retryAfter / 60)} minute(s)\n`);
    expect(blocked.body).toContain('try again in 10 minute(s)');
    // Refusals while blocked are logged at debug only (a guesser would otherwise write a line per request).
    expect(logs.lines).toEqual([
      expect.objectContaining({
        level: 'debug',
        msg: 'dashboard login refused: too many failed logins',
        client: '198.51.100.7',
        failures: 3,
      }),
    ]);
    // Another client is not blocked.
    expect(await respond(handler, header(`${USER}:${PASSWORD}`), '198.51.100.8')).toEqual({ next: true });
  });

  it('forgives the failures of a client that then logs in, and does not touch the count of one that had none', async () => {
    const { handler, calls } = setup('forgive');
    expect(await respond(handler, header(`${USER}:${PASSWORD}`))).toEqual({ next: true });
    expect(calls.forgive).not.toHaveBeenCalled();
    expect(await respond(handler, header(`${USER}:wrong`))).toMatchObject({ status: 401 });
    expect(await respond(handler, header(`${USER}:wrong`))).toMatchObject({ status: 401 });
    expect(await respond(handler, header(`${USER}:${PASSWORD}`))).toEqual({ next: true });
    expect(calls.forgive).toHaveBeenCalledTimes(1);
    expect(await calls.check(LIMITER_CLIENT)).toEqual({ failures: 0, retryAfterMs: 0 });
  });

  it('logs a failed login without a limiter (no count, not blocked), and limits without a logger', async () => {
    const logs = captureLogs();
    const logged = basicAuth({ user: USER, password: PASSWORD }, { logger: logs.logger });
    expect(await respond(logged, header(`${USER}:wrong`))).toMatchObject({ status: 401 });
    expect(logs.lines).toEqual([expect.objectContaining({ msg: 'dashboard login failed', failures: null, blocked: false })]);

    const limiter = createLoginLimiter({ connection, prefix: `${prefix}-silent`, limit: { failures: 1, windowSeconds: WINDOW_SECONDS } });
    const silent = basicAuth({ user: USER, password: PASSWORD }, { limiter });
    expect(await respond(silent, header(`${USER}:wrong`))).toMatchObject({ status: 401 });
    expect(await respond(silent, header(`${USER}:${PASSWORD}`))).toMatchObject({ status: 429 });
  });

  it('does not count a request without credentials', async () => {
    const { handler, calls, logs } = setup('anonymous');
    expect(await respond(handler, undefined)).toMatchObject({ status: 401 });
    expect(calls.check).not.toHaveBeenCalled();
    expect(calls.recordFailure).not.toHaveBeenCalled();
    expect(logs.lines).toEqual([]);
  });
});

const LIMITER_CLIENT = '198.51.100.7';
