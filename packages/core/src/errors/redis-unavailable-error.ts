import { RegionwatchError } from './regionwatch-error.js';

/**
 * Redis did not answer in time, so nothing was read or written. The producer's `waitUntilReady`
 * and the dashboard's Redis-backed routes (answered 503) fail with it instead of hanging.
 */
export class RedisUnavailableError extends RegionwatchError {
  readonly code = 'REDIS_UNAVAILABLE';
  readonly waitedMs: number;

  /** `lastError`: the connection's last error, when it had one (e.g. `connect ECONNREFUSED ...`). */
  constructor(waitedMs: number, lastError?: Error) {
    super(
      `Redis did not answer within ${waitedMs} ms${lastError ? `: ${lastError.message}` : ''}; ` +
        'check REDIS_URL (or REDIS_SENTINELS, REDIS_CLUSTER_NODES) and that Redis is up (the connection keeps retrying by itself)',
      lastError ? { cause: lastError } : undefined,
    );
    this.waitedMs = waitedMs;
  }
}
