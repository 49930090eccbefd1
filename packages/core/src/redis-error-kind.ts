/**
 * What a Redis error says about Redis, as far as a caller can act on it:
 * - `connection`: Redis cannot be reached (refused, reset, timed out, closed, not resolvable) — an
 *   outage: ioredis reconnects by itself, and every command waits or fails until it is back;
 * - `full`: Redis refuses writes because it reached `maxmemory` under `noeviction` (an `OOM` reply);
 * - `other`: anything else (a bug, a script error, a wrong type): worth a log line of its own.
 */
export type RedisErrorKind = 'connection' | 'full' | 'other';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

// ioredis and BullMQ say "the connection is gone" in words rather than codes.
const CONNECTION_MESSAGES = new RegExp(
  [
    'Connection is closed',
    "Stream isn't writeable",
    'Reached the max retries per request limit',
    'connect ETIMEDOUT',
    'Command timed out',
    'Socket closed unexpectedly',
  ].join('|'),
);

export function redisErrorKind(error: unknown): RedisErrorKind {
  if (!(error instanceof Error)) return 'other';
  const { code, message } = error as Error & { code?: unknown };
  if (typeof message === 'string' && message.startsWith('OOM ')) return 'full';
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return 'connection';
  if (error.name === 'MaxRetriesPerRequestError' || error.name === 'ConnectionClosedError') return 'connection';
  if (typeof message === 'string' && (CONNECTION_MESSAGES.test(message) || [...CONNECTION_CODES].some((c) => message.includes(c))))
    return 'connection';
  return 'other';
}
