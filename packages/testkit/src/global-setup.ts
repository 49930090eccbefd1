import type { TestProject } from 'vitest/node';
import { provideRedis } from './provide-redis.js';

import './provided-context.js';

/** Vitest global setup: one real Redis for the whole run; each test file takes its own prefix. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await provideRedis();
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}
