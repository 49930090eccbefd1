import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

export type Credentials = { user: string; password: string };

export const AUTH_REALM = 'regionwatch';

/**
 * HTTP Basic authentication (RFC 7617) for everything mounted after it. Bull Board has no auth of
 * its own, so this is the only gate in front of the queues.
 */
export function basicAuth(credentials: Credentials): RequestHandler {
  // Comparing fixed-length SHA-256 digests with timingSafeEqual keeps the time independent of
  // where the strings differ and of their lengths (timingSafeEqual itself needs equal lengths).
  const expectedUser = digest(credentials.user);
  const expectedPassword = digest(credentials.password);
  return (request, response, next) => {
    const given = parseBasicAuthorization(request.headers.authorization);
    // Both halves are always compared (no short circuit), so timing does not tell which was wrong.
    const userMatches = timingSafeEqual(digest(given?.user ?? ''), expectedUser);
    const passwordMatches = timingSafeEqual(digest(given?.password ?? ''), expectedPassword);
    if (given !== undefined && userMatches && passwordMatches) {
      next();
      return;
    }
    response
      .status(401)
      .set({ 'www-authenticate': `Basic realm="${AUTH_REALM}"`, 'cache-control': 'no-store', 'content-type': 'text/plain; charset=utf-8' })
      .send('authentication required\n');
  };
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
