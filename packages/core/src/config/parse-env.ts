import type { z } from 'zod';
import { ConfigError } from '../errors/config-error.js';
import { listIssues } from '../validation/describe-issues.js';

/**
 * Parses the environment against a process's schema into a typed, frozen config. Variables the
 * schema does not name are ignored. Throws one `ConfigError` naming every offending variable, so
 * the operator fixes them all in one go.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): Readonly<z.output<S>> {
  const parsed = schema.safeParse(withoutBlanks(env));
  if (!parsed.success) {
    throw new ConfigError(listIssues(parsed.error).map(({ path, message }) => ({ variable: path || '(config)', message })));
  }
  return Object.freeze(parsed.data);
}

/** `FOO=` means "unset", except for RESULTS_QUEUE where "" disables the results queue. */
function withoutBlanks(env: NodeJS.ProcessEnv): Record<string, string> {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && (value !== '' || key === 'RESULTS_QUEUE')) cleaned[key] = value;
  }
  return cleaned;
}
