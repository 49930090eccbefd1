import type { RedisOutageLog } from '@regionwatch/core';
import { DelayedError, type Job } from 'bullmq';

/**
 * A processor whose run ends normally or re-delays its job has written to Redis, which ends a spell
 * of "Redis is full" (one line; RedisOutageLog). The processors themselves know nothing of it.
 */
export function writesSucceeded<T, R>(processor: (job: Job<T, R>, token?: string) => Promise<R>, outage: RedisOutageLog) {
  return async (job: Job<T, R>, token?: string): Promise<R> => {
    try {
      const result = await processor(job, token);
      outage.writable();
      return result;
    } catch (error) {
      if (error instanceof DelayedError) outage.writable();
      throw error;
    }
  };
}
