import { Redis } from 'ioredis';
import { describe, expect, inject } from 'vitest';
import { test, testRedis } from '../src/redis-test.js';

const seen: { file: string[]; test: string[] } = { file: [], test: [] };

describe('the Redis fixtures', () => {
  test('hand every test the run’s one Redis, which answers', async ({ redis }) => {
    expect(redis.url).toBe(inject('redisUrl'));
    const client = new Redis(redis.url);
    try {
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });

  test.for([1, 2, 3])('give test %i a prefix of its own and share one per file', (_n, { redis, fileRedis }) => {
    expect(redis.prefix).toMatch(/^rwtest-redis-fixture-[0-9a-f]{8}$/);
    expect(redis.prefix).not.toBe(fileRedis.prefix);
    seen.test.push(redis.prefix);
    seen.file.push(fileRedis.prefix);
  });

  test('(checked after the three above)', () => {
    expect(new Set(seen.test).size).toBe(3);
    expect(new Set(seen.file).size).toBe(1);
  });

  test('testRedis() makes a new prefix at every call, safe as a BullMQ prefix', () => {
    const a = testRedis('odd label: with spaces');
    expect(a.prefix).toMatch(/^rwtest-odd-label-with-spaces-[0-9a-f]{8}$/);
    expect(testRedis('odd label: with spaces').prefix).not.toBe(a.prefix);
  });
});
