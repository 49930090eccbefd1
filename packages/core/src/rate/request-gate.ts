import { AsposePausedError } from '../errors/aspose-paused-error.js';
import type { RequestRateLimiter } from './request-rate-limiter.js';
import type { SharedPause } from './shared-pause.js';

/**
 * The check every request to Aspose passes right before it is sent (the client's `beforeRequest`):
 * first the shared pause (Aspose throttled the account: nothing is sent until it ends), then the
 * ASPOSE_MAX_RPS budget. Throws `AsposePausedError` or `RateBudgetExhaustedError` to not send.
 */
export function requestGate(pause: Pick<SharedPause, 'remainingMs'> | undefined, limiter: Pick<RequestRateLimiter, 'acquire'> | undefined) {
  return async (taskId: string | undefined): Promise<void> => {
    const paused = (await pause?.remainingMs()) ?? 0;
    if (paused > 0) throw new AsposePausedError(paused, taskId);
    await limiter?.acquire(taskId);
  };
}
