import type { RedisClient } from './redis-connection.js';
import type { Logger } from './logger.js';

/**
 * Logs a Redis outage once when it starts and once when it ends, instead of one line per
 * reconnection attempt (ioredis retries by itself, many times a second at first).
 */
export function logRedisOutages(connection: RedisClient, logger: Logger): void {
  let down = false;
  connection.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn({ err: error }, 'Redis connection lost; reconnecting by itself');
  });
  connection.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info('Redis connection back');
  });
}
