import { z } from 'zod';
import { parseEnv } from './parse-env.js';
import { dashboardCredentialsInPairs } from './rules.js';
import { variables } from './variables.js';

/** What the dashboard reads: Redis and the queues it shows, its port, credentials and mode, log level. */
export const dashboardConfigSchema = z
  .object(
    variables(
      'REDIS_URL',
      'REGIONWATCH_PREFIX',
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
  .superRefine(dashboardCredentialsInPairs);

export type DashboardConfig = Readonly<z.output<typeof dashboardConfigSchema>>;

export function loadDashboardConfig(env: NodeJS.ProcessEnv = process.env): DashboardConfig {
  return parseEnv(dashboardConfigSchema, env);
}
