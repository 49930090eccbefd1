import { fileURLToPath } from 'node:url';
import type { UserWorkspaceConfig } from 'vitest/config';

const globalSetup = fileURLToPath(new URL('./packages/testkit/src/global-setup.ts', import.meta.url));

/**
 * Settings every workspace project shares: workspace packages resolve to their TypeScript sources
 * (the `@regionwatch/source` export condition), and one real Redis is provided for the whole run.
 */
export function sharedProjectConfig(name: string): UserWorkspaceConfig {
  return {
    resolve: { conditions: ['@regionwatch/source'] },
    ssr: { resolve: { conditions: ['@regionwatch/source'] } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      environment: 'node',
      globalSetup: [globalSetup],
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  };
}
