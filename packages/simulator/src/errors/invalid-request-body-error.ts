/** A control-surface request whose body is not the JSON it expects; answered with 400. */
export class InvalidRequestBodyError extends Error {
  override readonly name = 'InvalidRequestBodyError';
  readonly code = 'INVALID_REQUEST_BODY';
  constructor(detail: string) {
    super(`Invalid request body: ${detail}.`);
  }
}
