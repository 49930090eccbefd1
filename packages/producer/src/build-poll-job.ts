import { listIssues, pollJobSchema, type PollJob } from '@regionwatch/core';
import { InvalidTrackRequestError } from './invalid-track-request-error.js';

export type TrackOptions = {
  /** When the image was sent to Aspose (drives the deadline); default: now. */
  submittedAt?: Date | string;
  /** http(s) URL; overrides WEBHOOK_URL for this task. */
  webhookUrl?: string;
  /** String values, at most 16 KiB as JSON; passed through to the result. */
  metadata?: Record<string, string>;
  /** A short label (1-64 of A-Z a-z 0-9 . _ -); completion times are learned per kind. `submit()` sets one from the image size. */
  kind?: string;
};

/** A clock skew allowance: producers' clocks differ a little, never by minutes. */
export const MAX_FUTURE_SKEW_MS = 60_000;

/** Validates one request and returns the `PollJob` to store, or throws naming the field. */
export function buildPollJob(taskId: unknown, options: TrackOptions = {}, now: number = Date.now()): PollJob {
  const submittedAt = options.submittedAt ?? new Date(now);
  let submittedIso: unknown = submittedAt;
  if (submittedAt instanceof Date) {
    if (Number.isNaN(submittedAt.getTime())) throw new InvalidTrackRequestError('submittedAt', 'is not a valid date', taskId);
    submittedIso = submittedAt.toISOString();
  }
  const parsed = pollJobSchema.safeParse({
    taskId,
    submittedAt: submittedIso,
    webhookUrl: options.webhookUrl,
    metadata: options.metadata,
    kind: options.kind,
  });
  if (!parsed.success) {
    // The first issue is enough to act on; metadata errors name the offending key (`metadata.page`).
    const [issue] = listIssues(parsed.error);
    throw new InvalidTrackRequestError(issue?.path || 'request', issue?.message ?? 'is invalid', taskId);
  }
  const job = parsed.data;
  if (job.submittedAt !== undefined && Date.parse(job.submittedAt) > now + MAX_FUTURE_SKEW_MS) {
    throw new InvalidTrackRequestError('submittedAt', `is more than ${MAX_FUTURE_SKEW_MS / 1000} s in the future`, taskId);
  }
  return job;
}
