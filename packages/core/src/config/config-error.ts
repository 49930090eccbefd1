import { RegionwatchError } from '../errors.js';

/** One problem with one environment variable. */
export type ConfigIssue = { variable: string; message: string };

/** Thrown once at start-up with every offending variable, so one fix-and-retry is enough. */
export class ConfigError extends RegionwatchError {
  readonly code = 'CONFIG_INVALID';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i.variable}: ${i.message}`).join('\n')}`);
    this.issues = issues;
  }
}
