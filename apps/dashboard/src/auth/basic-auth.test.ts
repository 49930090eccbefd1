import type * as crypto from 'node:crypto';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { basicAuth, parseBasicAuthorization } from './basic-auth.js';

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
