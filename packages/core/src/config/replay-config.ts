import { z } from 'zod';
import { parseEnv } from './parse-env.js';
import { variables } from './variables.js';

/** What the replay CLI reads: where the dead letters are. */
export const replayConfigSchema = z.object(variables('REDIS_URL', 'REGIONWATCH_PREFIX'));

export type ReplayConfig = Readonly<z.output<typeof replayConfigSchema>>;

export function loadReplayConfig(env: NodeJS.ProcessEnv = process.env): ReplayConfig {
  return parseEnv(replayConfigSchema, env);
}
