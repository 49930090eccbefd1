/**
 * The most specific code of a failed undici request: ETIMEDOUT when its abort signal timed out, else
 * the system error under undici's wrapper (ECONNRESET, ECONNREFUSED, ...), else undici's own code.
 */
export function networkErrorCode(error: unknown): string {
  const { code, cause, name } = (error ?? {}) as { code?: unknown; cause?: { code?: unknown }; name?: unknown };
  if (name === 'TimeoutError' || name === 'AbortError') return 'ETIMEDOUT';
  if (typeof cause?.code === 'string') return cause.code;
  return typeof code === 'string' ? code : 'unknown';
}
