import { z } from 'zod';
import { parseEnv } from './parse-env.js';
import { asposeCredentialsInPairs, pollDelaysInOrder, redisSettingsValid, withDefaultRedisUrl, withTokenUrl } from './rules.js';
import { REDIS_VARIABLE_NAMES } from './redis-env.js';
import { variables } from './variables.js';

/**
 * The polling variables a producer reads to place a new task's first poll: POLL_INITIAL_DELAY_MS, and with
 * POLL_STRATEGY=adaptive the learned first poll (the workers' plan for it, from what they learned in Redis), so the
 * first run of the job makes a GET instead of only re-delaying it (issue 12). Set them as the workers have them.
 */
export const FIRST_POLL_VARIABLE_NAMES = [
  'POLL_INITIAL_DELAY_MS',
  'POLL_MAX_DELAY_MS',
  'POLL_STRATEGY',
  'POLL_LAG_PER_POLL_MS',
  'POLL_LEARN_HALF_LIFE',
  'POLL_LEARN_MIN_SAMPLES',
  'POLL_MAX_KINDS',
  'TASK_DEADLINE_MS',
] as const;

/**
 * What the track CLI reads: where to put poll jobs and when to poll first. Nothing else, so it runs
 * in any environment whatever else is set there.
 */
export const trackConfigSchema = z
  .object(variables(...REDIS_VARIABLE_NAMES, 'REGIONWATCH_PREFIX', 'POLL_SHARDS', ...FIRST_POLL_VARIABLE_NAMES))
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
