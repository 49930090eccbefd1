import { RegionwatchError } from '@regionwatch/core';

/** Redis is not connected: the dashboard answers 503 at once instead of letting requests hang. */
export class RedisUnavailableError extends RegionwatchError {
  readonly code = 'REDIS_UNAVAILABLE';

  constructor(waitedMs: number) {
    super(
      `Redis is not reachable (not connected after ${waitedMs} ms): ` +
        'check REDIS_URL and that Redis is up; the dashboard reconnects by itself',
    );
  }
}
