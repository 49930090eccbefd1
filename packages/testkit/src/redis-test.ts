import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import './provided-context.js';

/**
 * The Redis URL from the global setup plus a key prefix unique to the caller, so test files
 * (and tests inside them) run in parallel without touching each other's queues.
 */
export function testRedis(label = 'test'): { url: string; prefix: string } {
  return { url: inject('redisUrl'), prefix: `rwtest-${label}-${randomUUID().slice(0, 8)}` };
}
