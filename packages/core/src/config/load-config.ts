import { ConfigError } from '../errors/config-error.js';
import { REDACTED, redactUrlsIn } from '../redact-url.js';
import { configSchema, type Config } from './config-schema.js';
import { parseEnv } from './parse-env.js';

/**
 * Parses the environment against the whole contract (every variable, every rule): for deployment
 * checks. Processes load only their own variables (`loadWorkerConfig`, `loadDashboardConfig`, ...).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseEnv(configSchema, env);
}

/** The Aspose credentials, or a `ConfigError` saying that this process cannot run without them. */
export function requireAsposeCredentials(config: { ASPOSE_CLIENT_ID?: string | undefined; ASPOSE_CLIENT_SECRET?: string | undefined }): {
  clientId: string;
  clientSecret: string;
} {
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
export function describeConfig(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const described: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (SECRET_NAME.test(key)) described[key] = REDACTED;
    else described[key] = typeof value === 'string' ? redactUrlsIn(value) : value;
  }
  return described;
}
