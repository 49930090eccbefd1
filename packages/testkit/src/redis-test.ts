import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { expect, inject, test as vitestTest } from 'vitest';
import './provided-context.js';
import { startRedisCluster, type RedisClusterSet } from './redis-cluster.js';
import { startRedisSentinel, type RedisSentinelSet } from './redis-sentinel.js';

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

/**
 * `rwtest-<label>-<8 hex>`: a BullMQ prefix (no spaces, no ':') unique to the caller; with `hashTag`,
 * wrapped in braces (`{rwtest-…}`), as a Redis Cluster needs.
 */
export function uniquePrefix(label: string, options: { hashTag?: boolean } = {}): string {
  const slug = label
    .replace(/\.test\.ts$/, '')
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .slice(0, 32);
  const prefix = `rwtest-${slug}-${randomUUID().slice(0, 8)}`;
  return options.hashTag ? `{${prefix}}` : prefix;
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
 * - `sentinel` and `cluster` (per file, started on first use, stopped after the file's last test): a
 *   real Sentinel set-up (primary, replica, three sentinels) and a real 3-primary Cluster, each on
 *   loopback ports of its own; `.env` holds the REDIS_* variables a process needs (a Cluster also
 *   needs a hash-tag REGIONWATCH_PREFIX: `uniquePrefix(label, { hashTag: true })`).
 */
export const test = vitestTest
  .extend('fileRedis', { scope: 'file' }, () => testRedis(basename(expect.getState().testPath ?? 'file')))
  .extend('redis', ({ task }) => testRedis(basename(task.file.name)))
  // vitest reads a fixture's dependencies from a destructuring pattern in its first argument: these have none.
  // eslint-disable-next-line no-empty-pattern
  .extend('sentinel', { scope: 'file' }, async ({}, { onCleanup }): Promise<RedisSentinelSet> => {
    const set = await startRedisSentinel();
    onCleanup(() => set.stop());
    return set;
  })
  // eslint-disable-next-line no-empty-pattern
  .extend('cluster', { scope: 'file' }, async ({}, { onCleanup }): Promise<RedisClusterSet> => {
    const set = await startRedisCluster();
    onCleanup(() => set.stop());
    return set;
  });

/** The same, under the name most test files use. */
export const it = test;
