import type { Logger } from '@regionwatch/core';
import type { RequestHandler } from 'express';
import { CrossOriginRequestError } from '../errors/cross-origin-request-error.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const MAX_LOGGED = 200;

/**
 * CSRF defence for every mutating request (Bull Board's PUT/POST/PATCH/DELETE API and any form of
 * ours), the algorithm of Go 1.25's `http.CrossOriginProtection`: a browser must say the request is
 * `Sec-Fetch-Site: same-origin` (or `none`: the user typed it); browsers too old to send that are
 * judged by `Origin` against `Host`; requests with neither header come from no browser (curl,
 * scripts) and pass. `same-site` is refused: another port on the same host is another origin.
 *
 * Tokens do not fit here: Bull Board's UI sends no CSRF token (and csurf is deprecated). The npm
 * package `fetch-metadata` applies one list of allowed Sec-Fetch-Site values to every method
 * (`same-site` included by default) and has no Origin fallback, so these few lines are ours.
 * `trustedHosts` (DASHBOARD_ALLOWED_HOSTS) name origins a reverse proxy serves the dashboard under
 * while rewriting Host; an entry without a port matches the scheme's default port only.
 */
export function sameOriginGuard(options: { trustedHosts: readonly string[]; logger: Logger }): RequestHandler {
  const trusted = new Set(options.trustedHosts.map((host) => host.toLowerCase()));
  return (request, _response, next) => {
    if (SAFE_METHODS.has(request.method)) return next();
    const site = request.headers['sec-fetch-site'];
    const origin = request.headers.origin;
    if (isSameOrigin(site, origin, request.headers.host, trusted)) return next();
    options.logger.warn(
      {
        method: request.method,
        path: request.path.slice(0, MAX_LOGGED),
        secFetchSite: site?.slice(0, MAX_LOGGED) ?? null,
        origin: origin?.slice(0, MAX_LOGGED) ?? null,
        client: request.ip,
      },
      'request refused: cross-origin request to a mutating route',
    );
    next(new CrossOriginRequestError());
  };
}

function isSameOrigin(
  site: string | undefined,
  origin: string | undefined,
  host: string | undefined,
  trusted: ReadonlySet<string>,
): boolean {
  // An Origin that does not parse ('null', junk) matches no trusted entry, not even a blank one.
  const from = origin === undefined ? undefined : originHost(origin);
  if (from !== undefined && trusted.has(from)) return true;
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  if (origin === undefined) return true;
  return from !== undefined && host !== undefined && from === host.toLowerCase();
}

/** `http://Example.com:8080` → `example.com:8080` (default ports dropped); `null` and junk → undefined. */
function originHost(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.host : undefined;
  } catch {
    return undefined;
  }
}
