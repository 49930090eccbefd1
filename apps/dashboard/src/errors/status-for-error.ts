import { RedisUnavailableError } from '@regionwatch/core';
import { CrossOriginRequestError } from './cross-origin-request-error.js';
import { InvalidTaskIdError } from './invalid-task-id-error.js';
import { MisdirectedRequestError } from './misdirected-request-error.js';
import { TaskNotFoundError } from './task-not-found-error.js';

/**
 * The one place that maps an error to an HTTP status. Express's own client errors (a malformed
 * URL, say) carry a 4xx `status`; anything else unexpected is a 500.
 */
export function statusForError(error: unknown): number {
  if (error instanceof InvalidTaskIdError) return 400;
  if (error instanceof CrossOriginRequestError) return 403;
  if (error instanceof TaskNotFoundError) return 404;
  if (error instanceof MisdirectedRequestError) return 421;
  if (error instanceof RedisUnavailableError) return 503;
  const status = typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined;
  if (typeof status === 'number' && status >= 400 && status < 500) return status;
  return 500;
}
