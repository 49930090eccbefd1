/**
 * The one place URLs are made fit to log or show. Webhook URLs carry tokens in their query or user
 * info, `REDIS_URL` a password, `ASPOSE_*_URL` sometimes basic credentials; logs, `/readyz` and the
 * dashboard are read by more people than own those secrets.
 *
 * Parsing, not pattern-matching: the WHATWG parser (the one ioredis and undici use too) ends the user
 * info at the LAST `@` of the authority, so a raw `@` in a password cannot leave its tail behind.
 * Kept: scheme, host, port, path and query keys (enough to tell endpoints apart). Masked: user info,
 * query values, the fragment. Not masked: the path — a service that puts its secret in the path
 * (e.g. `/services/T0/B0/XXXX`) shows it; `docs/guarantees.md` says so.
 */

/** What stands in for every removed secret; writes of data that still contain it are refused by the dashboard. */
export const REDACTED = '[redacted]';

/** A redacted URL is cut to this many characters (paths can be long; logs and pages should not be). */
export const MAX_REDACTED_URL_LENGTH = 300;

/** A query key worth keeping: short and plain. Anything else may itself be a secret (`?sk_live_…`). */
const PLAIN_QUERY_KEY = /^[A-Za-z0-9_.\-[\]]{1,64}$/;

/**
 * Something that starts like an absolute URL with an authority, up to whitespace, a quote, a bracket
 * or a backslash (never part of a URL; stopping there keeps JSON text and its escapes intact).
 */
const URL_IN_TEXT = /\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'<>`\\]*/g;

const NOT_A_URL = '(not a valid URL)';

export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return NOT_A_URL;
  }
  const userInfo = parsed.username !== '' || parsed.password !== '' ? `${REDACTED}@` : '';
  const query = parsed.search === '' ? '' : `?${redactQuery(parsed.search.slice(1))}`;
  const fragment = parsed.hash === '' ? '' : `#${REDACTED}`;
  // The parser turns `https://host` into `https://host/`; an origin should stay as it was written.
  const path = parsed.pathname === '/' && !/^[^:]*:\/\/[^/?#]*\//.test(url) ? '' : parsed.pathname;
  return bounded(`${parsed.protocol}//${userInfo}${parsed.host}${path}${query}${fragment}`);
}

/** Every URL inside a free text (an error message, a log field) redacted as `redactUrl` does; the rest kept. */
export function redactUrlsIn(text: string): string {
  return text.replace(URL_IN_TEXT, (match) => {
    // Punctuation that ends a sentence or clause ("… at https://x/y: refused") stays outside the URL.
    const url = match.replace(/[.,:;!?)]+$/, '');
    const redacted = redactUrl(url);
    // "a redis:// URL" in prose is not a URL; one that does not parse but could hold a secret is dropped.
    if (redacted === NOT_A_URL && !/[@?#]/.test(url)) return match;
    return redacted + match.slice(url.length);
  });
}

/**
 * A copy of a JSON-like value with `redactUrlsIn` applied to every string in it; keys and shape
 * unchanged. Only arrays and plain objects are walked, each once: an object reached twice (shared, or
 * a cycle) becomes the same copy both times, never the original with its secrets. Anything else (an
 * Error, a Date, a Buffer) is returned as it is.
 */
export function redactUrlsDeep<T>(value: T): T {
  return deep(value, new WeakMap()) as T;
}

/**
 * @deprecated Use `redactUrl`, which masks query values too. Kept as an alias so code written
 * against the old name keeps compiling while other branches move over.
 */
export const redactUserInfo = redactUrl;

function deep(value: unknown, copies: WeakMap<object, unknown>): unknown {
  if (typeof value === 'string') return value.includes('://') ? redactUrlsIn(value) : value;
  if (value === null || typeof value !== 'object') return value;
  if (copies.has(value)) return copies.get(value);
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    copies.set(value, copy); // before walking in, so a cycle back to this array finds the copy
    for (const inner of value) copy.push(deep(inner, copies));
    return copy;
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value;
  const copy: Record<string, unknown> = {};
  copies.set(value, copy);
  for (const [key, inner] of Object.entries(value)) {
    // defineProperty, not assignment: a `__proto__` key (JSON.parse makes one) stays a key instead of setting the prototype.
    Object.defineProperty(copy, key, { value: deep(inner, copies), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

function redactQuery(query: string): string {
  return query
    .split('&')
    .map((part) => {
      if (part === '') return part;
      const equals = part.indexOf('=');
      if (equals < 0) return REDACTED; // a bare value (`?token`) may be the secret itself
      const key = part.slice(0, equals);
      if (!PLAIN_QUERY_KEY.test(key)) return REDACTED;
      return equals === part.length - 1 ? part : `${key}=${REDACTED}`;
    })
    .join('&');
}

function bounded(text: string): string {
  return text.length <= MAX_REDACTED_URL_LENGTH ? text : `${text.slice(0, MAX_REDACTED_URL_LENGTH - 1)}…`;
}
