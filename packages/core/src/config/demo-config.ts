import { z } from 'zod';
import { dashboardConfigSchema } from './dashboard-config.js';
import { parseEnv } from './parse-env.js';
import { dashboardCredentialsInPairs, pollDelaysInOrder, webhookSecretWithUrl, withTokenUrl } from './rules.js';
import { workerConfigSchema } from './worker-config.js';

/** The demo runs a worker, a dashboard and a producer in one process: the worker's and the dashboard's variables. */
export const demoConfigSchema = z
  .object({ ...workerConfigSchema.in.shape, ...dashboardConfigSchema.shape })
  .superRefine((c, ctx) => {
    pollDelaysInOrder(c, ctx);
    webhookSecretWithUrl(c, ctx);
    dashboardCredentialsInPairs(c, ctx);
  })
  .transform(withTokenUrl);

export type DemoConfig = Readonly<z.output<typeof demoConfigSchema>>;

export function loadDemoConfig(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  return parseEnv(demoConfigSchema, env);
}
