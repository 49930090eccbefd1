import { redactUserInfo } from '../redact-url.js';
import { listIssues } from '../validation/describe-issues.js';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { configSchema, type Config } from './config-schema.js';

/**
 * Parses the environment into a typed, frozen config. Throws one `ConfigError` naming every
 * offending variable, so the operator fixes them all in one go.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(withoutBlanks(env));
  if (!parsed.success) {
    const issues: ConfigIssue[] = listIssues(parsed.error).map(({ path, message }) => ({ variable: path || '(config)', message }));
    throw new ConfigError(issues);
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

/** The Aspose credentials, or a `ConfigError` saying that this process cannot run without them. */
export function requireAsposeCredentials(config: Config): { clientId: string; clientSecret: string } {
  if (config.ASPOSE_CLIENT_ID === undefined || config.ASPOSE_CLIENT_SECRET === undefined) {
    throw new ConfigError([
      { variable: 'ASPOSE_CLIENT_ID', message: 'is required: the worker cannot call Aspose without credentials' },
      { variable: 'ASPOSE_CLIENT_SECRET', message: 'is required: the worker cannot call Aspose without credentials' },
    ]);
  }
  return { clientId: config.ASPOSE_CLIENT_ID, clientSecret: config.ASPOSE_CLIENT_SECRET };
}

/** The config with every secret masked (and unset variables left out), for a start-up log line. */
export function describeConfig(config: Config): Record<string, unknown> {
  const described: Record<string, unknown> = { ...config, REDIS_URL: redactUserInfo(config.REDIS_URL) };
  for (const secret of ['ASPOSE_CLIENT_SECRET', 'WEBHOOK_SECRET', 'DASHBOARD_PASSWORD'] as const) {
    if (config[secret] !== undefined) described[secret] = '[redacted]';
  }
  for (const [key, value] of Object.entries(described)) if (value === undefined) delete described[key];
  return described;
}
