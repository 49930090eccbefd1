/**
 * Base of every error regionwatch throws on purpose. `code` is stable (match on it, not on the
 * message); the message says what happened and what to do about it.
 */
export abstract class RegionwatchError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
