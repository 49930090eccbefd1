import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { captureLogs } from '../../test/support/log-capture.js';
import { MisdirectedRequestError } from '../errors/misdirected-request-error.js';
import { hostGuard } from './host-guard.js';

// The guard alone, on requests built here: which Host values it answers (next() without an error) and
// what it logs when it refuses. test/request-guards.test.ts checks the same rules through a served dashboard.
function verdict(guard: ReturnType<typeof hostGuard>, host: string | undefined, path = '/queues'): 'answered' | 'refused' {
  let outcome: 'answered' | 'refused' | undefined;
  const next: NextFunction = (error?: unknown) => {
    if (error === undefined) outcome = 'answered';
    else if (error instanceof MisdirectedRequestError) outcome = 'refused';
    else throw new Error('next() was called with another error', { cause: error });
  };
  const request = { headers: host === undefined ? {} : { host }, method: 'PUT', path };
  guard(request as unknown as Request, {} as Response, next);
  if (outcome === undefined) throw new Error('the guard neither answered nor refused');
  return outcome;
}

describe('hostGuard', () => {
  const logs = captureLogs();
  // Built when a test calls it, not while the file is collected: what the guard computes up front
  // (the parsed allow-list) then runs inside a test, where Stryker's per-test coverage sees it.
  const guard: ReturnType<typeof hostGuard> = (request, response, next) =>
    hostGuard({ allowedHosts: ['dash.example.com', 'ops.example.com:8443', 'not a host'], enforce: true, logger: logs.logger })(
      request,
      response,
      next,
    );

  it('answers the loopback names on any port, and no name that merely contains one', () => {
    for (const host of ['localhost', 'localhost:3000', '127.0.0.1:1', 'LOCALHOST:80', '[::1]:8080', '[::1]']) {
      expect(verdict(guard, host), host).toBe('answered');
    }
    for (const host of ['localhost.attacker.example', '127.0.0.1.nip.io', 'attacker.example', '0.0.0.0:3000', '[::2]']) {
      expect(verdict(guard, host), host).toBe('refused');
    }
  });

  it('answers an allowed name without a port on every port, one with a port on that port only', () => {
    expect(verdict(guard, 'dash.example.com')).toBe('answered');
    expect(verdict(guard, 'dash.example.com:9000')).toBe('answered');
    expect(verdict(guard, 'Dash.Example.Com.')).toBe('answered');
    expect(verdict(guard, 'ops.example.com:8443')).toBe('answered');
    expect(verdict(guard, 'ops.example.com')).toBe('refused');
    expect(verdict(guard, 'ops.example.com:443')).toBe('refused');
    expect(verdict(guard, 'sub.dash.example.com')).toBe('refused');
  });

  it('refuses a missing or unparseable Host, and ignores allow-list entries that are not host names', () => {
    expect(verdict(guard, undefined)).toBe('refused');
    expect(verdict(guard, '')).toBe('refused');
    expect(verdict(guard, 'not a host')).toBe('refused');
    expect(verdict(guard, 'localhost:99999')).toBe('refused');
  });

  it('answers every Host when not enforced (credentials are configured and no allow-list is set)', () => {
    const open = hostGuard({ allowedHosts: [], enforce: false, logger: logs.logger });
    for (const host of [undefined, 'attacker.example', 'localhost']) expect(verdict(open, host)).toBe('answered');
  });

  it('logs a refusal at info with the method and the Host and path cut to 100 characters', () => {
    logs.lines.length = 0;
    const host = `${'h'.repeat(150)}.example`;
    const path = `/${'p'.repeat(150)}`;
    expect(verdict(guard, host, path)).toBe('refused');
    expect(verdict(guard, undefined)).toBe('refused');
    expect(logs.lines).toEqual([
      expect.objectContaining({
        level: 'info',
        msg: 'request refused: Host is not one this dashboard answers to',
        host: host.slice(0, 100),
        method: 'PUT',
        path: path.slice(0, 100),
      }),
      expect.objectContaining({ level: 'info', host: '', path: '/queues' }),
    ]);
    expect(verdict(guard, 'localhost')).toBe('answered');
    expect(logs.lines).toHaveLength(2); // an answered request logs nothing
  });
});
