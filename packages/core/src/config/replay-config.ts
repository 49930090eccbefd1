import { z } from 'zod';
import { parseEnv } from './parse-env.js';
import { REDIS_VARIABLE_NAMES } from './redis-env.js';
import { redisSettingsValid, withDefaultRedisUrl } from './rules.js';
import { variables } from './variables.js';

/** What the replay CLI reads: where the dead letters are (POLL_SHARDS > 1: in every shard's webhook queue). */
export const replayConfigSchema = z
  .object(variables(...REDIS_VARIABLE_NAMES, 'REGIONWATCH_PREFIX', 'POLL_SHARDS'))
  .superRefine(redisSettingsValid)
  .transform(withDefaultRedisUrl);

export type ReplayConfig = Readonly<z.output<typeof replayConfigSchema>>;

export function loadReplayConfig(env: NodeJS.ProcessEnv = process.env): ReplayConfig {
  return parseEnv(replayConfigSchema, env);
}
