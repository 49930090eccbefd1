/** A request body larger than the simulator accepts; answered with 413. */
export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
  readonly code = 'PAYLOAD_TOO_LARGE';
  constructor(limitBytes: number) {
    super(`Request body exceeds ${limitBytes} bytes. Send a smaller image.`);
  }
}
