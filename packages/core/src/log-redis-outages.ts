import type { RedisClient } from './redis-connection.js';
import type { Logger } from './logger.js';
import { RedisOutageLog } from './redis-outage-log.js';

/**
 * Logs a Redis outage once when it starts and once when it ends, instead of one line per
 * reconnection attempt (ioredis retries by itself, many times a second at first); a reminder a
 * minute while it lasts. For processes with one connection; the worker feeds its queues' and
 * workers' errors to a `RedisOutageLog` of its own.
 */
export function logRedisOutages(connection: RedisClient, logger: Logger): RedisOutageLog {
  return new RedisOutageLog({ logger }).watch(connection);
}
