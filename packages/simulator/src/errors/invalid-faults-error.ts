/** `setFaults` (or `PUT /__simulator/faults`) got a value it cannot apply. */
export class InvalidFaultsError extends Error {
  override readonly name = 'InvalidFaultsError';
  readonly code = 'INVALID_FAULTS';
  constructor(detail: string) {
    super(`Invalid faults: ${detail}. Rates are fractions between 0 and 1; see the Faults type.`);
  }
}
