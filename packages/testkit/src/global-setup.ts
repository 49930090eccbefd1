import type { TestProject } from 'vitest/node';
import { provideRedis } from './provide-redis.js';

import './provided-context.js';

/**
 * Vitest global setup, in the root config only: one real Redis for the whole run, provided to every
 * project as `redisUrl`. Tests take it through the `redis`/`fileRedis` fixtures (each with its own prefix).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await provideRedis();
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}
