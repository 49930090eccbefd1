import { RegionwatchError } from '@regionwatch/core';

/** A mutating request that a browser sent on behalf of another origin (CSRF), or could not prove it did not. */
export class CrossOriginRequestError extends RegionwatchError {
  readonly code = 'CROSS_ORIGIN_REQUEST';

  constructor() {
    super(
      'Refused: this request changes queues and came from another origin. Use the dashboard’s own pages; ' +
        'scripts that send no Origin header are not affected.',
    );
  }
}
