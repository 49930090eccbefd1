/** `startSimulator` got an option it cannot use. */
export class InvalidSimulatorOptionsError extends Error {
  override readonly name = 'InvalidSimulatorOptionsError';
  readonly code = 'INVALID_SIMULATOR_OPTIONS';
  constructor(detail: string) {
    super(`Invalid simulator options: ${detail}. See the SimulatorOptions type for the accepted values.`);
  }
}
