import { InvalidFaultsError } from './errors/invalid-faults-error.js';
import { isRecord } from './is-record.js';

/**
 * Faults injected into requests. Each rate is the fraction (0–1) of requests in `scope` that get the
 * fault, drawn from the seeded fault stream. Faults are checked in this order and the first one drawn
 * answers: `tokenEndpointDown`, `resetRate`, `serverErrorRate`, `tooManyRequests`, `nonJsonRate`;
 * `latency` delays before that, and `truncatedJsonRate` cuts a normal GET answer. The
 * `/__simulator/` control surface is never faulted.
 */
export type Faults = {
  /** Which requests faults apply to: the `/v5.0` endpoints, the token endpoint, or both. @defaultValue `'api'` */
  scope: 'api' | 'token' | 'all';
  /** Answers 500 (JSON ProblemDetails), 502 or 503 (HTML from a "proxy"). @defaultValue 0 */
  serverErrorRate: number;
  /** Answers 429 with `Retry-After` in seconds (default 1) or, with `retryAfterHttpDate`, as an HTTP-date. @defaultValue rate 0 */
  tooManyRequests: { rate: number; retryAfterSeconds?: number; retryAfterHttpDate?: boolean };
  /** Waits `ms` before handling the request. @defaultValue rate 0 */
  latency: { rate: number; ms: number };
  /** Resets the TCP connection without answering: the client sees ECONNRESET. @defaultValue 0 */
  resetRate: number;
  /** GETs only: 200 `text/html` "Service Unavailable" page instead of JSON. @defaultValue 0 */
  nonJsonRate: number;
  /** GETs on task endpoints only: 200 `application/json` with the real body cut in half. @defaultValue 0 */
  truncatedJsonRate: number;
  /** The token endpoint answers 503 to every request, whatever `scope` says. @defaultValue false */
  tokenEndpointDown: boolean;
};

export const NO_FAULTS: Faults = Object.freeze({
  scope: 'api',
  serverErrorRate: 0,
  tooManyRequests: Object.freeze({ rate: 0 }),
  latency: Object.freeze({ rate: 0, ms: 0 }),
  resetRate: 0,
  nonJsonRate: 0,
  truncatedJsonRate: 0,
  tokenEndpointDown: false,
});

/**
 * The full fault set for `partial` (omitted fields take their defaults), checked field by field so
 * a typo in a test or an HTTP body fails loudly instead of silently injecting nothing.
 */
export function resolveFaults(partial: unknown): Faults {
  if (!isRecord(partial)) throw new InvalidFaultsError('expected an object');
  const known = new Set(Object.keys(NO_FAULTS));
  for (const key of Object.keys(partial)) {
    if (!known.has(key)) throw new InvalidFaultsError(`unknown field "${key}"`);
  }
  const scope = partial.scope ?? NO_FAULTS.scope;
  if (scope !== 'api' && scope !== 'token' && scope !== 'all') throw new InvalidFaultsError('scope must be "api", "token" or "all"');

  const tooMany = partial.tooManyRequests ?? NO_FAULTS.tooManyRequests;
  if (!isRecord(tooMany)) throw new InvalidFaultsError('tooManyRequests must be an object');
  const retryAfterSeconds = tooMany.retryAfterSeconds ?? 1;
  if (typeof retryAfterSeconds !== 'number' || !Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0) {
    throw new InvalidFaultsError('tooManyRequests.retryAfterSeconds must be a non-negative integer');
  }
  const retryAfterHttpDate = tooMany.retryAfterHttpDate ?? false;
  if (typeof retryAfterHttpDate !== 'boolean') throw new InvalidFaultsError('tooManyRequests.retryAfterHttpDate must be a boolean');

  const latency = partial.latency ?? NO_FAULTS.latency;
  if (!isRecord(latency)) throw new InvalidFaultsError('latency must be an object');
  const ms = latency.ms ?? 0;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new InvalidFaultsError('latency.ms must be a non-negative number');

  const tokenEndpointDown = partial.tokenEndpointDown ?? false;
  if (typeof tokenEndpointDown !== 'boolean') throw new InvalidFaultsError('tokenEndpointDown must be a boolean');

  return {
    scope,
    serverErrorRate: rate(partial.serverErrorRate, 'serverErrorRate'),
    tooManyRequests: { rate: rate(tooMany.rate, 'tooManyRequests.rate'), retryAfterSeconds, retryAfterHttpDate },
    latency: { rate: rate(latency.rate, 'latency.rate'), ms },
    resetRate: rate(partial.resetRate, 'resetRate'),
    nonJsonRate: rate(partial.nonJsonRate, 'nonJsonRate'),
    truncatedJsonRate: rate(partial.truncatedJsonRate, 'truncatedJsonRate'),
    tokenEndpointDown,
  };
}

function rate(value: unknown, field: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new InvalidFaultsError(`${field} must be a number between 0 and 1`);
  }
  return value;
}
