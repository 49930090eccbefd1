import { RegionwatchError } from './regionwatch-error.js';

/**
 * Redis refused a write because it reached `maxmemory` under `maxmemory-policy noeviction` (its
 * `OOM command not allowed` reply). The refused command wrote nothing; what Redis holds is intact. The
 * producer throws it from `track`/`trackMany`, so an upstream service can tell "Redis is full" from
 * "Redis is down" and retry later.
 */
export class RedisFullError extends RegionwatchError {
  readonly code = 'REDIS_FULL';

  constructor(cause: Error) {
    super(
      'Redis is full: it refuses writes (maxmemory reached, maxmemory-policy noeviction); what it refused was not written. ' +
        'Retry later (tracking an id again is safe); operators: free memory ' +
        '(consume results, replay or clean dead letters) or raise maxmemory — ' +
        'see "Redis is full" in docs/operations.md',
      { cause },
    );
  }
}
