import { z } from 'zod';
import { parseEnv } from './parse-env.js';
import { dashboardCredentialsInPairs, redisSettingsValid, withDefaultRedisUrl } from './rules.js';
import { REDIS_VARIABLE_NAMES } from './redis-env.js';
import { variables } from './variables.js';

/** What the dashboard reads: Redis and the queues it shows, its port, credentials and mode, log level. */
export const dashboardConfigSchema = z
  .object(
    variables(
      ...REDIS_VARIABLE_NAMES,
      'REGIONWATCH_PREFIX',
      'POLL_SHARDS',
      'RESULTS_QUEUE',
      'DASHBOARD_PORT',
      'DASHBOARD_USER',
      'DASHBOARD_PASSWORD',
      'DASHBOARD_ALLOWED_HOSTS',
      'DASHBOARD_TRUST_PROXY',
      'DASHBOARD_READONLY',
      'LOG_LEVEL',
    ),
  )
  .superRefine((c, ctx) => {
    redisSettingsValid(c, ctx);
    dashboardCredentialsInPairs(c, ctx);
  })
  .transform(withDefaultRedisUrl);

export type DashboardConfig = Readonly<z.output<typeof dashboardConfigSchema>>;

export function loadDashboardConfig(env: NodeJS.ProcessEnv = process.env): DashboardConfig {
  return parseEnv(dashboardConfigSchema, env);
}
