import { AsposeError, type AsposeErrorContext } from './aspose-error.js';

export type PermanentReason = 'client-error' | 'invalid-body' | 'schema-mismatch' | 'unknown-status';

/** Asking again the same way will not help: another 4xx, a body that is not JSON or not the schema. */
export class AsposePermanentError extends AsposeError {
  readonly code = 'ASPOSE_PERMANENT';
  readonly reason: PermanentReason;

  constructor(reason: PermanentReason, message: string, context: AsposeErrorContext) {
    super(message, context);
    this.reason = reason;
  }
}
