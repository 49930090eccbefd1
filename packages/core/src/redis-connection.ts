import { Redis, type RedisOptions } from 'ioredis';

/**
 * `worker`: blocking BullMQ connections need `maxRetriesPerRequest: null` and must wait out a
 * Redis restart. `producer`: callers want a fast, clear failure instead of an offline queue.
 */
export type ConnectionRole = 'worker' | 'producer';

export function createRedisConnection(url: string, role: ConnectionRole, extra: RedisOptions = {}): Redis {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 3, enableOfflineQueue: false, connectTimeout: 5_000 };
  return new Redis(url, { ...options, ...extra });
}
