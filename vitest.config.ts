import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { SOURCE_CONDITIONS } from './vitest.shared.js';

// One run over every workspace: each package/app with a vitest.config.ts is a project. The global
// setup lives here, in the root config, so it runs once per `npm test` (vitest runs the root
// project's global setup even when only some projects are selected) and every project inherits what
// it provides: one real Redis for the whole run, reached in tests through @regionwatch/testkit/vitest.
export default defineConfig({
  ...SOURCE_CONDITIONS,
  test: {
    // Vitest's default is cores − 1, which is ONE on a 2-core machine: every file in series. Most of a file's
    // time is spent waiting (on Redis, on child processes, on timelines such as a chaos scenario's outage),
    // so two files at once nearly halve the wall time there; larger machines keep vitest's default.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    globalSetup: [fileURLToPath(new URL('./packages/testkit/src/global-setup.ts', import.meta.url))],
    projects: [
      'packages/*/vitest.config.ts',
      'apps/*/vitest.config.ts',
      'bench/vitest.config.ts',
      'chaos/vitest.config.ts',
      'deploy/vitest.config.ts',
    ],
  },
});
