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
