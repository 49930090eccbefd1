import { InvalidFaultsError } from '../errors/invalid-faults-error.js';
import { InvalidRequestBodyError } from '../errors/invalid-request-body-error.js';
import { InvalidTaskScriptError } from '../errors/invalid-task-script-error.js';
import { PayloadTooLargeError } from '../errors/payload-too-large-error.js';

/** The one place that maps the simulator's errors onto HTTP statuses. */
export function statusForError(error: unknown): number {
  if (error instanceof InvalidRequestBodyError || error instanceof InvalidTaskScriptError || error instanceof InvalidFaultsError)
    return 400;
  if (error instanceof PayloadTooLargeError) return 413;
  return 500;
}
