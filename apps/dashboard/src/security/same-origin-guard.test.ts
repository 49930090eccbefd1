import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { captureLogs } from '../../test/support/log-capture.js';
import { CrossOriginRequestError } from '../errors/cross-origin-request-error.js';
import { sameOriginGuard } from './same-origin-guard.js';

// The guard alone: the algorithm of Go's http.CrossOriginProtection, written out as cases from its
// documentation (Sec-Fetch-Site first, then Origin against Host, headerless requests pass; safe methods
// always pass). test/request-guards.test.ts checks the same rules through a served dashboard.
type Headers = { 'sec-fetch-site'?: string; origin?: string; host?: string };

function verdict(
  guard: ReturnType<typeof sameOriginGuard>,
  method: string,
  headers: Headers,
  path = '/api/queues/poll/pause',
): 'passed' | 'refused' {
  let outcome: 'passed' | 'refused' | undefined;
  const next: NextFunction = (error?: unknown) => {
    if (error === undefined) outcome = 'passed';
    else if (error instanceof CrossOriginRequestError) outcome = 'refused';
    else throw new Error('next() was called with another error', { cause: error });
  };
  const request = { method, headers, path, ip: '203.0.113.9' };
  guard(request as unknown as Request, {} as Response, next);
  if (outcome === undefined) throw new Error('the guard neither passed nor refused');
  return outcome;
}

describe('sameOriginGuard', () => {
  const logs = captureLogs();
  // Built when a test calls it, not while the file is collected (so Stryker's per-test coverage sees its set-up).
  const guard: ReturnType<typeof sameOriginGuard> = (request, response, next) =>
    sameOriginGuard({ trustedHosts: [], logger: logs.logger })(request, response, next);
  const HOST = 'dash.example:3000';

  it('lets GET, HEAD and OPTIONS through whatever the headers say', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      expect(verdict(guard, method, { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example', host: HOST })).toBe('passed');
    }
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('%s: decides by Sec-Fetch-Site when a browser sends it', (method) => {
    expect(verdict(guard, method, { 'sec-fetch-site': 'same-origin', host: HOST })).toBe('passed');
    expect(verdict(guard, method, { 'sec-fetch-site': 'none', host: HOST })).toBe('passed');
    // same-site is another port or subdomain: another origin. Sec-Fetch-Site wins over a matching Origin.
    expect(verdict(guard, method, { 'sec-fetch-site': 'same-site', host: HOST })).toBe('refused');
    expect(verdict(guard, method, { 'sec-fetch-site': 'cross-site', origin: `http://${HOST}`, host: HOST })).toBe('refused');
    expect(verdict(guard, method, { 'sec-fetch-site': '', host: HOST })).toBe('refused');
  });

  it('without Sec-Fetch-Site, compares Origin’s host and port with Host (case-insensitive, default ports dropped)', () => {
    expect(verdict(guard, 'POST', { origin: `http://${HOST}`, host: HOST })).toBe('passed');
    expect(verdict(guard, 'POST', { origin: 'HTTP://DASH.EXAMPLE:3000', host: 'Dash.Example:3000' })).toBe('passed');
    expect(verdict(guard, 'POST', { origin: 'https://dash.example:443', host: 'dash.example' })).toBe('passed');
    expect(verdict(guard, 'POST', { origin: 'http://dash.example:3001', host: HOST })).toBe('refused');
    expect(verdict(guard, 'POST', { origin: 'http://evil.example:3000', host: HOST })).toBe('refused');
    expect(verdict(guard, 'POST', { origin: `http://${HOST}`, host: undefined })).toBe('refused');
  });

  it('refuses an Origin that is not an http(s) origin: null, junk, another scheme', () => {
    for (const origin of ['null', 'not a url', `ftp://${HOST}`, `file://${HOST}`]) {
      expect(verdict(guard, 'POST', { origin, host: HOST }), origin).toBe('refused');
    }
  });

  it('lets a request with neither header through (no browser sent it: curl, scripts)', () => {
    expect(verdict(guard, 'DELETE', { host: HOST })).toBe('passed');
    expect(verdict(guard, 'DELETE', {})).toBe('passed');
  });

  it('trusts an Origin named in trustedHosts (a proxy that rewrites Host), and only that one', () => {
    const behindProxy = sameOriginGuard({ trustedHosts: ['Dash.Example.com', 'ops.example:8443'], logger: logs.logger });
    expect(verdict(behindProxy, 'PUT', { origin: 'https://dash.example.com', host: 'internal:3000', 'sec-fetch-site': 'cross-site' })).toBe(
      'passed',
    );
    expect(verdict(behindProxy, 'PUT', { origin: 'https://ops.example:8443', host: 'internal:3000' })).toBe('passed');
    expect(verdict(behindProxy, 'PUT', { origin: 'https://ops.example', host: 'internal:3000' })).toBe('refused');
    expect(verdict(behindProxy, 'PUT', { origin: 'https://evil.example', host: 'internal:3000', 'sec-fetch-site': 'cross-site' })).toBe(
      'refused',
    );
    // Without an Origin, trustedHosts play no part: Sec-Fetch-Site still decides.
    expect(verdict(behindProxy, 'PUT', { host: 'internal:3000', 'sec-fetch-site': 'cross-site' })).toBe('refused');
    // An Origin that does not parse matches no trusted entry (not even an empty one).
    const withBlank = sameOriginGuard({ trustedHosts: [''], logger: logs.logger });
    expect(verdict(withBlank, 'PUT', { origin: 'null', host: 'internal:3000', 'sec-fetch-site': 'cross-site' })).toBe('refused');
  });

  it('logs each refusal at warn with the method, path, client and what the browser said, cut to 200 characters', () => {
    logs.lines.length = 0;
    const origin = `https://${'o'.repeat(250)}.example`;
    const site = 'x'.repeat(250);
    const longPath = `/api/${'q'.repeat(250)}`;
    expect(verdict(guard, 'PATCH', { 'sec-fetch-site': site, origin, host: HOST }, longPath)).toBe('refused');
    expect(verdict(guard, 'POST', { origin: 'null', host: HOST })).toBe('refused');
    expect(verdict(guard, 'POST', { 'sec-fetch-site': 'cross-site', host: HOST })).toBe('refused');
    expect(logs.lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: 'request refused: cross-origin request to a mutating route',
        method: 'PATCH',
        path: longPath.slice(0, 200),
        secFetchSite: site.slice(0, 200),
        origin: origin.slice(0, 200),
        client: '203.0.113.9',
      }),
      expect.objectContaining({ method: 'POST', secFetchSite: null, origin: 'null' }),
      expect.objectContaining({ method: 'POST', secFetchSite: 'cross-site', origin: null }),
    ]);
    expect(verdict(guard, 'POST', { 'sec-fetch-site': 'same-origin', host: HOST })).toBe('passed');
    expect(logs.lines).toHaveLength(3);
  });
});
