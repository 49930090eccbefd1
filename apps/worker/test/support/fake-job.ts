import type { Job } from 'bullmq';

/**
 * The slice of a BullMQ Job a processor touches, recording what it asks for, so processors can be
 * called as plain functions (the queue behaviour itself is covered by the integration tests).
 */
export type RecordingJob = Job & { delayedUntil: number[] };

export function fakeJob(
  data: unknown,
  options: { id?: string; timestamp?: number; attemptsMade?: number; attempts?: number; progress?: unknown } = {},
): RecordingJob {
  const job = {
    id: options.id ?? (data as { taskId?: string }).taskId ?? 'job-1',
    data,
    timestamp: options.timestamp ?? Date.now(),
    attemptsMade: options.attemptsMade ?? 0,
    opts: { attempts: options.attempts ?? 1 },
    progress: (options.progress ?? 0) as unknown,
    delayedUntil: [] as number[],
    async updateProgress(next: unknown) {
      job.progress = next;
    },
    async updateData(next: unknown) {
      job.data = next;
    },
    async moveToDelayed(at: number) {
      job.delayedUntil.push(at);
    },
  };
  return job as unknown as RecordingJob;
}
