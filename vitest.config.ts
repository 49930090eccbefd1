import { defineConfig } from 'vitest/config';

// One run over every workspace: each package/app with a vitest.config.ts is a project.
export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'apps/*/vitest.config.ts',
      'bench/vitest.config.ts',
      'chaos/vitest.config.ts',
      'deploy/vitest.config.ts',
    ],
  },
});
