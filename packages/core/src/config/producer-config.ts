import { z } from 'zod';
import { parseEnv } from './parse-env.js';
import { asposeCredentialsInPairs, pollDelaysInOrder, redisSettingsValid, withDefaultRedisUrl, withTokenUrl } from './rules.js';
import { REDIS_VARIABLE_NAMES } from './redis-env.js';
import { variables } from './variables.js';
import { POLL_PLAN_VARIABLE_NAMES } from './polling-env.js';

/**
 * What the track CLI reads: where to put poll jobs and when to poll first. Nothing else, so it runs
 * in any environment whatever else is set there.
 */
export const trackConfigSchema = z
  .object(variables(...REDIS_VARIABLE_NAMES, 'REGIONWATCH_PREFIX', 'POLL_SHARDS', ...POLL_PLAN_VARIABLE_NAMES))
  .superRefine((c, ctx) => {
    redisSettingsValid(c, ctx);
    pollDelaysInOrder(c, ctx);
  })
  .transform(withDefaultRedisUrl);

export type TrackConfig = Readonly<z.output<typeof trackConfigSchema>>;

export function loadTrackConfig(env: NodeJS.ProcessEnv = process.env): TrackConfig {
  return parseEnv(trackConfigSchema, env);
}

/**
 * What `RegionTaskProducer.fromConfig()` reads inside a host service: the track CLI's variables plus
 * the Aspose ones `submit()` needs (credentials optional, both or neither). The worker's variables
 * (LOG_LEVEL, WEBHOOK_*, ...) are the host's business and never checked here.
 */
export const producerConfigSchema = z
  .object({
    ...trackConfigSchema.in.shape,
    ...variables('ASPOSE_BASE_URL', 'ASPOSE_TOKEN_URL', 'ASPOSE_CLIENT_ID', 'ASPOSE_CLIENT_SECRET', 'ASPOSE_TIMEOUT_MS'),
  })
  .superRefine((c, ctx) => {
    redisSettingsValid(c, ctx);
    pollDelaysInOrder(c, ctx);
    asposeCredentialsInPairs(c, ctx);
  })
  .transform((c) => withDefaultRedisUrl(withTokenUrl(c)));

export type ProducerConfig = Readonly<z.output<typeof producerConfigSchema>>;

export function loadProducerConfig(env: NodeJS.ProcessEnv = process.env): ProducerConfig {
  return parseEnv(producerConfigSchema, env);
}
