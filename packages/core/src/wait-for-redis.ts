import type { RedisClient } from './redis-connection.js';
import { RedisUnavailableError } from './errors/redis-unavailable-error.js';

/**
 * Resolves once `connection` is ready; rejects with `RedisUnavailableError` (naming the connection's
 * last error) after `timeoutMs`. For command-line tools, which must fail fast with one clear line
 * rather than wait for a Redis that is not there.
 */
export async function waitForRedis(connection: RedisClient, timeoutMs = 5_000): Promise<void> {
  if (connection.status === 'ready') return;
  let lastError: Error | undefined;
  const onError = (error: Error) => (lastError = error);
  connection.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  let onReady: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      onReady = resolve;
      connection.once('ready', onReady);
      timer = setTimeout(() => reject(new RedisUnavailableError(timeoutMs, lastError)), timeoutMs);
      if (connection.status === 'wait') connection.connect().catch(() => {});
    });
  } finally {
    clearTimeout(timer);
    if (onReady) connection.off('ready', onReady);
    connection.off('error', onError);
  }
}
