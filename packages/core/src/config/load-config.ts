import { REDACTED, redactUrlsIn } from '../redact-url.js';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { configSchema, type Config } from './config-schema.js';

/**
 * Parses the environment into a typed, frozen config. Throws one `ConfigError` naming every
 * offending variable, so the operator fixes them all in one go.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(withoutBlanks(env));
  if (!parsed.success) {
    const issues: ConfigIssue[] = parsed.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? '(config)'),
      message: issue.message,
    }));
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

/** Settings whose value is a secret by name: today's and any a later change adds (`*_SECRET`, `*_PASSWORD`, …). */
const SECRET_NAME = /(^|_)(SECRET|PASSWORD|TOKEN|KEY)$/;

/**
 * The config fit for a start-up log line: unset variables left out, secrets masked by name, and
 * every URL in any value (REDIS_URL, ASPOSE_BASE_URL, ASPOSE_TOKEN_URL, WEBHOOK_URL, lists of them)
 * redacted by `redactUrl` — user info up to the last `@`, query values, fragment.
 */
export function describeConfig(config: Config): Record<string, unknown> {
  const described: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (SECRET_NAME.test(key)) described[key] = REDACTED;
    else described[key] = typeof value === 'string' ? redactUrlsIn(value) : value;
  }
  return described;
}
