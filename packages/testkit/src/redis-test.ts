import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { expect, inject, test as vitestTest } from 'vitest';
import './provided-context.js';

/** Where a test's queues live: the run's one Redis, and a key prefix no other test or file uses. */
export type TestRedis = { url: string; prefix: string };

/** The Redis URL the root config's global setup provides (one Redis per `npm test`). */
export function testRedisUrl(): string {
  const url = inject('redisUrl');
  if (!url) {
    throw new Error(
      'No Redis was provided to this test run: run vitest from the repository root ' +
        '(`npm test`, or `npx vitest run --project @regionwatch/<pkg>`), whose config starts one',
    );
  }
  return url;
}

/** `rwtest-<label>-<8 hex>`: a BullMQ prefix (no spaces, no ':') unique to the caller. */
function uniquePrefix(label: string): string {
  const slug = label
    .replace(/\.test\.ts$/, '')
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .slice(0, 32);
  return `rwtest-${slug}-${randomUUID().slice(0, 8)}`;
}

/**
 * The Redis URL plus a key prefix unique to the caller, for code outside a test function (a
 * harness, a helper called several times in one test). Inside tests prefer the `redis` fixture.
 */
export function testRedis(label = 'test'): TestRedis {
  return { url: testRedisUrl(), prefix: uniquePrefix(label) };
}

/**
 * vitest's `test` with the run's Redis as fixtures, each with a prefix of its own:
 * - `redis` (per test): `test('…', async ({ redis }) => …)`
 * - `fileRedis` (per file), for what a file's tests share, set up in `test.beforeAll(({ fileRedis }) => …)`
 */
export const test = vitestTest
  .extend('fileRedis', { scope: 'file' }, () => testRedis(basename(expect.getState().testPath ?? 'file')))
  .extend('redis', ({ task }) => testRedis(basename(task.file.name)));

/** The same, under the name most test files use. */
export const it = test;
