import { z } from 'zod';
import {
  asposeCredentialsInPairs,
  dashboardCredentialsInPairs,
  pollDelaysInOrder,
  redisSettingsValid,
  webhookSecretWithUrl,
  withDefaultRedisUrl,
  withTokenUrl,
} from './rules.js';
import { VARIABLE_NAMES, variables } from './variables.js';
import { webhookScheduleInOneForm } from './webhook-env.js';

/**
 * Every variable of the public contract (README, "Configuration") with every rule between them:
 * what a deployment may set, for checks and documentation. A process validates only its own
 * variables instead (`loadWorkerConfig`, `loadDashboardConfig`, `loadProducerConfig`, ...).
 */
export const configSchema = z
  .object(variables(...VARIABLE_NAMES))
  .superRefine((c, ctx) => {
    redisSettingsValid(c, ctx);
    pollDelaysInOrder(c, ctx);
    asposeCredentialsInPairs(c, ctx);
    webhookSecretWithUrl(c, ctx);
    webhookScheduleInOneForm(c, ctx);
    dashboardCredentialsInPairs(c, ctx);
  })
  .transform((c) => withDefaultRedisUrl(withTokenUrl(c)));

export type Config = Readonly<z.output<typeof configSchema>>;
