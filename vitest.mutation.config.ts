import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { SOURCE_CONDITIONS } from './vitest.shared.js';

// The vitest run Stryker drives (`npm run mutation`, stryker.config.mjs): only the test files that
// exercise the mutated modules, so the initial dry run stays short; the same one-Redis global setup
// as `npm test`. A test file added for a mutated module belongs in this list too.
const project = (root: string, name: string, include: string[]) => ({
  ...SOURCE_CONDITIONS,
  root: fileURLToPath(new URL(`./${root}/`, import.meta.url)),
  test: { name, include, environment: 'node' as const, testTimeout: 30_000, hookTimeout: 60_000 },
});

export default defineConfig({
  ...SOURCE_CONDITIONS,
  test: {
    globalSetup: [fileURLToPath(new URL('./packages/testkit/src/global-setup.ts', import.meta.url))],
    projects: [
      project('packages/core', '@regionwatch/core', [
        'test/decode-regions.test.ts',
        'test/request-rate-limiter.test.ts',
        'test/redact-url.test.ts',
        'test/aspose-client.test.ts', // the token provider, through the client that uses it
        'test/token-provider.test.ts',
      ]),
      // The guards' and basic auth's own unit tests: each mutant runs in milliseconds there. The served-dashboard
      // tests (test/auth-and-headers, request-guards, login-limit) check the same rules end to end in `npm test`,
      // but start two dashboards per file, which would make every mutant of these modules cost seconds.
      project('apps/dashboard', '@regionwatch/dashboard', [
        'src/auth/basic-auth.test.ts',
        'src/security/host-guard.test.ts',
        'src/security/same-origin-guard.test.ts',
      ]),
      // The poll processor and the hand-off run against the simulator and a real Redis (test/support/poll-stepper.ts
      // steps a job without a Worker); the webhook modules against real receivers.
      project('apps/worker', '@regionwatch/worker', [
        'test/classify-poll-failure.test.ts',
        'test/poll-processor.test.ts',
        'test/adaptive-polling.test.ts', // the poll processor's learned plans (virtual time), BullMQ priorities, a replica's learner
        'test/delivery.test.ts',
        'test/hand-off.test.ts',
        'test/terminal-statuses.test.ts',
        'test/edges.test.ts',
        'test/address-guard.test.ts',
        'test/retry-plan.test.ts',
        'test/webhooks.test.ts',
        'test/webhook-processor.test.ts', // the webhook processor run by run: signing, statuses, retries, dead letters
        'test/endpoint-breaker.test.ts',
      ]),
    ],
  },
});
