import type { PollProgress } from '@regionwatch/core';
import type { Job, Queue } from 'bullmq';

/**
 * Moves an active poll job back to delayed and stores its progress, in one step: BullMQ's
 * moveToDelayed script checks the lock token before it writes `fieldsToUpdate`, so a stalled
 * replica's late write is refused instead of overwriting the new owner's progress. Resolves false
 * when the job is not ours any more (lock lost or taken over, job gone).
 */
export type RescheduleJob = (
  job: Pick<Job, 'id'>,
  token: string,
  now: number,
  delayMs: number,
  progress: PollProgress,
  /** BullMQ's promotion priority (1 = first), written in the same step; undefined leaves the job's as it is. */
  priority?: number,
) => Promise<boolean>;

export function rescheduleJobIn(queue: Pick<Queue, 'backend'>): RescheduleJob {
  return async (job, token, now, delayMs, progress, priority) => {
    try {
      await queue.backend.moveToDelayed(String(job.id), now, Math.max(0, delayMs), token, {
        skipAttempt: true,
        // BullMQ's promotion of a due job reads the hash's `priority`: non-zero puts it in the prioritized set.
        fieldsToUpdate: { progress: JSON.stringify(progress), ...(priority === undefined ? {} : { priority: String(priority) }) },
      });
      return true;
    } catch (error) {
      if (isJobNoLongerOurs(error)) return false;
      throw error;
    }
  };
}

/** BullMQ's script errors (negative codes): missing job or lock, lock mismatch, not active any more. */
export function isJobNoLongerOurs(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' && code < 0;
}
