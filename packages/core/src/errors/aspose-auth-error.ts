import { AsposeError } from './aspose-error.js';

/**
 * The credentials were refused, or the token endpoint answered something unusable. Not the task's
 * fault: the worker keeps the task waiting, logs loudly and reports not-ready until it clears.
 * Fix ASPOSE_CLIENT_ID / ASPOSE_CLIENT_SECRET (or ASPOSE_TOKEN_URL).
 */
export class AsposeAuthError extends AsposeError {
  readonly code = 'ASPOSE_AUTH';
}
