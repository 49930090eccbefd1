import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from '@regionwatch/core';
import type { RequestHandler, Response } from 'express';
import { clientKey, type LoginLimiter } from './login-limiter.js';

export type Credentials = { user: string; password: string };

export const AUTH_REALM = 'regionwatch';

export type BasicAuthOptions = {
  /** Counts failed logins per client and refuses (429) a client that made too many. */
  limiter?: LoginLimiter;
  /** Failed logins are logged at `warn`. */
  logger?: Logger;
};

/**
 * HTTP Basic authentication (RFC 7617) for everything mounted after it. Bull Board has no auth of
 * its own, so this is the only gate in front of the queues.
 *
 * A failed login is logged with the client address, whether the user name matched, the failure
 * count and whether the client is now blocked — never the password, and never the user name that
 * was typed (people type passwords into the user field; even a hash of one can be guessed offline).
 * A request without credentials (every browser's first) is not a failed login. A blocked client
 * gets 429 without its credentials being checked, so guessing on during the block tells nothing.
 */
export function basicAuth(credentials: Credentials, options: BasicAuthOptions = {}): RequestHandler {
  // Comparing fixed-length SHA-256 digests with timingSafeEqual keeps the time independent of
  // where the strings differ and of their lengths (timingSafeEqual itself needs equal lengths).
  const expectedUser = digest(credentials.user);
  const expectedPassword = digest(credentials.password);
  const { limiter, logger } = options;
  return (request, response, next) => {
    const given = parseBasicAuthorization(request.headers.authorization);
    if (given === undefined) {
      challenge(response);
      return;
    }
    const client = clientKey(request.ip);
    void (async () => {
      const before = limiter ? await limiter.check(client) : undefined;
      if (before && before.retryAfterMs > 0) {
        // debug only: a guesser hammering through the block would otherwise write a line per request.
        logger?.debug({ client: request.ip, failures: before.failures }, 'dashboard login refused: too many failed logins');
        tooManyFailures(response, before.retryAfterMs);
        return;
      }
      // Both halves are always compared (no short circuit), so timing does not tell which was wrong.
      const userMatches = timingSafeEqual(digest(given.user), expectedUser);
      const passwordMatches = timingSafeEqual(digest(given.password), expectedPassword);
      if (userMatches && passwordMatches) {
        if (limiter && before && before.failures > 0) await limiter.forgive(client);
        next();
        return;
      }
      const after = limiter ? await limiter.recordFailure(client) : undefined;
      logger?.warn(
        {
          client: request.ip ?? null,
          userMatches,
          failures: after?.failures ?? null,
          blocked: (after?.retryAfterMs ?? 0) > 0,
          method: request.method,
          path: request.path.slice(0, 200),
        },
        'dashboard login failed',
      );
      challenge(response);
    })().catch(next);
  };
}

function challenge(response: Response): void {
  response
    .status(401)
    .set({ 'www-authenticate': `Basic realm="${AUTH_REALM}"`, 'cache-control': 'no-store', 'content-type': 'text/plain; charset=utf-8' })
    .send('authentication required\n');
}

function tooManyFailures(response: Response, retryAfterMs: number): void {
  const seconds = Math.ceil(retryAfterMs / 1000);
  response
    .status(429)
    .set({ 'retry-after': String(seconds), 'cache-control': 'no-store', 'content-type': 'text/plain; charset=utf-8' })
    .send(`too many failed logins from this address: try again in ${Math.ceil(seconds / 60)} minute(s)\n`);
}

/** `Basic <base64 of user:password>` → its parts; undefined for anything else. */
export function parseBasicAuthorization(header: string | undefined): Credentials | undefined {
  const match = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // The user id cannot contain a colon (RFC 7617 §2); the password may.
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
