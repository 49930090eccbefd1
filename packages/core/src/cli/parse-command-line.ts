import { parseArgs, type ParseArgsConfig } from 'node:util';

type Parsed<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

/**
 * A CLI's arguments, parsed the same way by every regionwatch CLI: an unknown option or a missing value
 * prints the reason and `usage`, then exits 2; `--help`/`-h` (declare it in `options`) prints `usage`
 * and exits 0.
 */
export function parseCommandLine<T extends ParseArgsConfig>(usage: string, config: T): Parsed<T> {
  let parsed: Parsed<T>;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(0);
  }
  return parsed;
}
