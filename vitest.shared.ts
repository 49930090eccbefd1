import type { UserWorkspaceConfig } from 'vitest/config';

/**
 * Workspace packages resolve to their TypeScript sources (the `@regionwatch/source` export
 * condition), in tests and in the root config's global setup alike: no build needed to test.
 */
export const SOURCE_CONDITIONS = {
  resolve: { conditions: ['@regionwatch/source'] },
  ssr: { resolve: { conditions: ['@regionwatch/source'] } },
  // The environment vitest loads global setup files in (the root config's starts the run's Redis).
  environments: { __vitest__: { resolve: { conditions: ['@regionwatch/source'] } } },
};

/**
 * Settings every workspace project shares. The Redis they test against comes from the root
 * config's global setup (one per run), not from here: a project-level global setup would start
 * one Redis per project.
 */
export function sharedProjectConfig(name: string): UserWorkspaceConfig {
  return {
    ...SOURCE_CONDITIONS,
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      environment: 'node',
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  };
}
