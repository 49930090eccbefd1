import { describe, expect, it } from 'vitest';
import { pollJobDataSchema, pollJobSchema } from '../src/index.js';

describe('PollJob.kind', () => {
  it('is refused when malformed at enqueue, and ignored (shared estimate) when a job already holds one', () => {
    expect(pollJobSchema.safeParse({ taskId: 't-1', kind: 'invoice-scan' }).success).toBe(true);
    expect(pollJobSchema.safeParse({ taskId: 't-1', kind: 'x'.repeat(65) }).success).toBe(false);
    expect(pollJobSchema.safeParse({ taskId: 't-1', kind: '_shared' }).success).toBe(false);
    // A job another language's producer added with a bad label must still be polled.
    const data = pollJobDataSchema.parse({ taskId: 't-1', kind: 'not a kind!' });
    expect(data.kind).toBeUndefined();
    expect(pollJobDataSchema.parse({ taskId: 't-1', kind: 'passport' }).kind).toBe('passport');
  });
});
