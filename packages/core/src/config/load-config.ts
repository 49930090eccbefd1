import { ConfigError } from '../errors/config-error.js';
import { redactUserInfo } from '../redact-url.js';
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

/** A process's config with every secret masked (and unset variables left out), for a start-up log line. */
export function describeConfig(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const described: Record<string, unknown> = { ...config };
  if (typeof config.REDIS_URL === 'string') described.REDIS_URL = redactUserInfo(config.REDIS_URL);
  for (const secret of ['ASPOSE_CLIENT_SECRET', 'WEBHOOK_SECRET', 'DASHBOARD_PASSWORD'] as const) {
    if (config[secret] !== undefined) described[secret] = '[redacted]';
  }
  for (const [key, value] of Object.entries(described)) if (value === undefined) delete described[key];
  return described;
}
