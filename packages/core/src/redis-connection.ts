import { Redis, type RedisOptions } from 'ioredis';

/**
 * What a connection is for:
 * - `blocking`: BullMQ Workers, which block on Redis and must wait out a restart
 *   (`maxRetriesPerRequest: null`, as BullMQ requires).
 * - `fail-fast`: callers that want a quick, clear failure while Redis is away instead of an offline
 *   queue that hangs (the producer, the dashboard, the replay CLI).
 */
export type ConnectionRole = 'blocking' | 'fail-fast';

export function createRedisConnection(url: string, role: ConnectionRole, extra: RedisOptions = {}): Redis {
  const options: RedisOptions =
    role === 'blocking'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 3, enableOfflineQueue: false, connectTimeout: 5_000 };
  return new Redis(url, { ...options, ...extra });
}
