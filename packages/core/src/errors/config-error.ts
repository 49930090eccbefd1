import { RegionwatchError } from './regionwatch-error.js';

/** One problem with one environment variable. */
export type ConfigIssue = { variable: string; message: string };

/** Thrown once at start-up with every offending variable, so one fix-and-retry is enough. */
export class ConfigError extends RegionwatchError {
  readonly code = 'CONFIG_INVALID';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    const lines = issues.map((i) => `  - ${i.variable}: ${i.message}`);
    super(`Invalid configuration (fix these environment variables and start again):\n${lines.join('\n')}`);
    this.issues = issues;
  }
}
