import type { z } from 'zod';
import { dashboardConfigSchema } from './dashboard-config.js';
import { parseEnv } from './parse-env.js';
import { dashboardCredentialsInPairs, withDefaultRedisUrl, withTokenUrl } from './rules.js';
import { workerConfigSchema } from './worker-config.js';

/** The demo runs a worker, a dashboard and a producer in one process: the worker's and the dashboard's variables. */
export const demoConfigSchema = workerConfigSchema.in // the worker's variables with its rules
  .safeExtend(dashboardConfigSchema.in.shape)
  .superRefine(dashboardCredentialsInPairs) // the Redis rules come with the worker's
  .transform((c) => withDefaultRedisUrl(withTokenUrl(c)));

export type DemoConfig = Readonly<z.output<typeof demoConfigSchema>>;

export function loadDemoConfig(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  return parseEnv(demoConfigSchema, env);
}
