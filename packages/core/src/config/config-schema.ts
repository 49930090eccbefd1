import { z } from 'zod';
import { asposeCredentialsInPairs, dashboardCredentialsInPairs, pollDelaysInOrder, webhookSecretWithUrl, withTokenUrl } from './rules.js';
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
    pollDelaysInOrder(c, ctx);
    asposeCredentialsInPairs(c, ctx);
    webhookSecretWithUrl(c, ctx);
    webhookScheduleInOneForm(c, ctx);
    dashboardCredentialsInPairs(c, ctx);
  })
  .transform(withTokenUrl);

export type Config = Readonly<z.output<typeof configSchema>>;
