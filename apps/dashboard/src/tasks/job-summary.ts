import type { Job } from 'bullmq';
import type { JobSummary } from './task-view.js';

/** Bull Board's page for one job (its router is mounted at `boardBasePath`). */
export function boardJobPath(boardBasePath: string, queue: string, jobId: string): string {
  return `${boardBasePath}/queue/${encodeURIComponent(queue)}/${encodeURIComponent(jobId)}`;
}

/** `boardName`: the queue's name on the board when it is not the BullMQ name (a poll shard's `p<i>.regions-poll`). */
export async function summariseJob(job: Job, boardBasePath: string, boardName: string = job.queueName): Promise<JobSummary> {
  // BullMQ's own state names (its JobState | 'unknown'), so a new BullMQ state fails the build here.
  const state = await job.getState();
  const jobId = job.id ?? '';
  return {
    queue: boardName,
    jobId,
    state,
    boardPath: boardJobPath(boardBasePath, boardName, jobId),
    attemptsMade: job.attemptsMade,
    failedReason: job.failedReason ? job.failedReason : null,
    createdAt: isoOrNull(job.timestamp),
    finishedAt: isoOrNull(job.finishedOn),
  };
}

export function isoOrNull(epochMs: number | undefined | null): string | null {
  return typeof epochMs === 'number' && Number.isFinite(epochMs) && epochMs > 0 ? new Date(epochMs).toISOString() : null;
}
