// What the producer's CLIs (track, untrack) share beyond core's parseCommandLine.

/** Prints `message` on stderr and exits (2: usage, configuration or Redis). */
export function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

/** A `--flag MS` value: a positive whole number of milliseconds, `fallback` when absent; exits 2 otherwise. */
export function millisecondsOption(flag: string, value: string | undefined, fallback: number): number {
  const ms = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(ms) || ms <= 0) fail(`${flag} expects a positive number of milliseconds, got ${JSON.stringify(value)}`);
  return ms;
}
