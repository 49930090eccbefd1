import type { TestProject } from 'vitest/node';
import { provideRedis } from './provide-redis.js';
import { buildWorkspaces } from './worker-process.js';

import './provided-context.js';

/**
 * Vitest global setup, in the root config only: one real Redis for the whole run, provided to every
 * project as `redisUrl`. Tests take it through the `redis`/`fileRedis` fixtures (each with its own prefix).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // What test files run or pack from dist/ (chaos and bench run the built worker, pack.test.ts packs the
  // producer), built once before any file starts. Each of those files also builds for itself (so it runs
  // alone), but files run in parallel: on a fresh clone two of them would write the same dist/ at once
  // while a third's child process reads it. Built here first, their own builds find it up to date.
  buildWorkspaces(['@regionwatch/worker', '@regionwatch/producer']);
  const redis = await provideRedis();
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}
