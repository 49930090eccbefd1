import type { RegionResult } from '@regionwatch/core';

/** BullMQ's job states, plus `unknown` for a job that vanished between reads. */
export type JobStateName = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed' | 'prioritized' | 'waiting-children' | 'unknown';

/** One job of one queue, as the lookup reports it. Times are ISO 8601 strings. */
export type JobSummary = {
  queue: string;
  jobId: string;
  state: JobStateName;
  /**
   * Path of this job's page in Bull Board; null when the queue no longer holds the job (a finished task's
   * poll job, removed when it completed: the view is rebuilt from the task record, and a link would 404).
   */
  boardPath: string | null;
  attemptsMade: number;
  failedReason: string | null;
  createdAt: string | null;
  finishedAt: string | null;
};

export type PollProgressView = {
  polls: number;
  transientErrors: number;
  invalidResponses: number;
  lastStatus: string | null;
  lastError: string | null;
  /** Statuses seen, in order, repeats collapsed. */
  history: { status: string; count: number }[];
  nextPollAt: string | null;
  nextDelayMs: number | null;
};

export type PollJobView = JobSummary & {
  submittedAt: string | null;
  /** Redacted by core's redactUrl (user info, query values, fragment): they can carry secrets. */
  webhookUrl: string | null;
  metadata: Record<string, string>;
  progress: PollProgressView;
  /** Set when the stored data does not match the PollJob contract (a foreign producer's job). */
  dataProblem: string | null;
};

export type DeliveryReceiptView = { statusCode: number; attempt: number; deliveredAt: string };

/** Where a delivery stands, from the worker's delivery state (the job's `progress`); times are ISO 8601 strings. */
export type DeliveryStateView = {
  /** The URL's origin (redacted): the unit of the circuit breaker. */
  endpoint: string;
  /** HTTP requests made so far, probes included. */
  attempts: number;
  lastAttemptAt: string | null;
  lastResult: string | null;
  /** When it is due again by its own retry schedule (null while held or finished). */
  nextAttemptAt: string | null;
  /** Set while its endpoint holds it: `breaker-open`, `paused` (Retry-After) or `queued` (rate cap). */
  held: { since: string; reason: string } | null;
  /** The first attempt + the schedule's span: a failed attempt (or a hold) after this dead-letters it. */
  givesUpAt: string;
  ended: { at: string; reason: string; message: string } | null;
  replays: number;
};

export type WebhookDeliveryView = JobSummary & {
  url: string | null;
  eventType: string | null;
  /** Attempts the retry schedule plans (its delays + 1); BullMQ's own budget for older jobs. */
  maxAttempts: number;
  delivery: DeliveryStateView | null;
  /** In the failed set: out of attempts, stopped by 410, or refused; replay with `npm run replay -- ID`. */
  deadLetter: boolean;
  receipt: DeliveryReceiptView | null;
};

/** Everything the dashboard knows about one task, gathered from the three queues. */
export type TaskView = {
  taskId: string;
  poll: PollJobView | null;
  /** The task's result once decided (from the poll job, else from the results queue). */
  result: RegionResult | null;
  resultsQueue: { enabled: boolean; name: string | null; job: JobSummary | null };
  webhook: WebhookDeliveryView | null;
  checkedAt: string;
};
