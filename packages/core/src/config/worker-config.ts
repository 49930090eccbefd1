import { z } from 'zod';
import { parseEnv } from './parse-env.js';
import { pollDelaysInOrder, redisSettingsValid, webhookSecretWithUrl, withDefaultRedisUrl, withTokenUrl } from './rules.js';
import { POLL_PLAN_VARIABLE_NAMES } from './polling-env.js';
import { REDIS_VARIABLE_NAMES } from './redis-env.js';
import { REQUIRED_ASPOSE_CREDENTIALS, variables } from './variables.js';
import { webhookScheduleInOneForm } from './webhook-env.js';

/** What a worker replica reads: Redis, Aspose (credentials required), polling, webhooks, health port, log level. */
export const workerConfigSchema = z
  .object({
    ...variables(
      ...REDIS_VARIABLE_NAMES,
      'REGIONWATCH_PREFIX',
      'ASPOSE_BASE_URL',
      'ASPOSE_TOKEN_URL',
      'ASPOSE_MAX_RPS',
      'ASPOSE_TIMEOUT_MS',
      'ASPOSE_INVALID_GRACE_MS',
      ...POLL_PLAN_VARIABLE_NAMES,
      'POLL_SHARDS',
      'WORKER_CONCURRENCY',
      'WORKER_LOCK_DURATION_MS',
      'SHUTDOWN_TIMEOUT_MS',
      'RESULTS_QUEUE',
      'RESULTS_BACKLOG_WARN',
      'WEBHOOK_URL',
      'WEBHOOK_SECRET',
      'WEBHOOK_TIMEOUT_MS',
      'WEBHOOK_RETRY_SCHEDULE',
      'WEBHOOK_MAX_ATTEMPTS',
      'WEBHOOK_RETRY_BASE_MS',
      'WEBHOOK_ENDPOINT_MAX_RPS',
      'WEBHOOK_ALLOW_PRIVATE',
      'METRICS_PORT',
      'LOG_LEVEL',
    ),
    ...REQUIRED_ASPOSE_CREDENTIALS,
  })
  .superRefine((c, ctx) => {
    redisSettingsValid(c, ctx);
    pollDelaysInOrder(c, ctx);
    webhookSecretWithUrl(c, ctx);
    webhookScheduleInOneForm(c, ctx);
  })
  .transform((c) => withDefaultRedisUrl(withTokenUrl(c)));

export type WorkerConfig = Readonly<z.output<typeof workerConfigSchema>>;

/** The worker's config from `env`; one `ConfigError` naming every offending variable (credentials included). */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return parseEnv(workerConfigSchema, env);
}
