import { BREAKER_STATES, redactUrl, RESULT_STATUSES, type EndpointHealth } from '@regionwatch/core';
import type { Queue } from 'bullmq';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { NOT_READY_REASONS, type Readiness } from '../health/readiness.js';
import type { RedisCheck, RedisProbe } from '../health/redis-probe.js';

export type PollOutcome =
  | 'pending'
  | 'processing'
  | 'completed'
  | 'error'
  | 'notexist'
  | 'transient_error'
  | 'auth_error'
  | 'client_error'
  | 'invalid_response'
  | 'rate_limited';
export type WebhookOutcome = 'delivered' | 'retry' | 'gone' | 'dead_letter' | 'refused';

export type LearnedQuantile = { kind: string; quantile: number; seconds: number };

const JOB_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized'] as const;

/**
 * Endpoints named in the per-endpoint metrics: the first ones regionwatch delivered to (every replica
 * agrees: the order is kept in Redis); deliveries to any other endpoint are counted under `other`.
 */
export const NAMED_ENDPOINTS = 20;
export const OTHER_ENDPOINTS = 'other';

/** The `endpoint` label of an endpoint at `rank` in the order first seen: its (redacted) origin, or `other`. */
export function endpointLabel(endpoint: string, rank: number): string {
  return rank < NAMED_ENDPOINTS ? redactUrl(endpoint) : OTHER_ENDPOINTS;
}

/** The longest a scrape waits for Redis (queue depths); /metrics answers with what is known after it. */
export const SCRAPE_REDIS_TIMEOUT_MS = 1_000;

/**
 * A Redis read made at scrape time: one at a time (scrapes that come while it runs share it), each scrape
 * waiting for it at most SCRAPE_REDIS_TIMEOUT_MS. While Redis does not answer, or when the read fails, the
 * gauges keep their last values; a read still in flight sets them if it ever ends.
 */
class ScrapeRead {
  private inFlight: Promise<void> | undefined;

  constructor(private readonly read: () => Promise<unknown>) {}

  async wait(): Promise<void> {
    const read = (this.inFlight ??= this.read()
      .then(() => undefined)
      .catch(() => undefined)
      .finally(() => (this.inFlight = undefined)));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([read, new Promise<void>((resolve) => (timer = setTimeout(resolve, SCRAPE_REDIS_TIMEOUT_MS)))]);
    clearTimeout(timer);
  }
}

/** Every metric the worker exposes, on a registry of its own (several workers can share a process in tests). */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly polls = new Counter({
    name: 'regionwatch_polls_total',
    help: 'Polls of Aspose by outcome (the task status seen, or the kind of failure)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly tasksFinished = new Counter({
    name: 'regionwatch_tasks_finished_total',
    help: 'Tasks that reached their one RegionResult, by status',
    labelNames: ['status'],
    registers: [this.registry],
  });
  readonly pollDuration = new Histogram({
    name: 'regionwatch_poll_duration_seconds',
    help: 'Duration of one GET DetectRegions, token refresh included',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly timeToResult = new Histogram({
    name: 'regionwatch_time_to_result_seconds',
    help: 'From submittedAt to the result being handed on',
    buckets: [1, 2, 5, 10, 30, 60, 120, 300, 900, 3600, 21600, 86400],
    registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: 'regionwatch_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  /** Every webhook request, per endpoint (bounded, see NAMED_ENDPOINTS) and outcome. */
  readonly webhookAttempts = new Counter({
    name: 'regionwatch_webhook_attempts_total',
    help: 'Webhook HTTP requests by endpoint (URL origin; the first 20 seen, the rest as "other") and outcome',
    labelNames: ['endpoint', 'outcome'],
    registers: [this.registry],
  });
  // Per-endpoint health is read from Redis at scrape time, so every replica reports the same. A scrape
  // collects the three gauges concurrently: they share one read.
  private endpointHealth: (() => Promise<readonly EndpointHealth[]>) | undefined;
  private readonly endpointsRead = new ScrapeRead(() => this.collectEndpoints());
  private readonly breakerState: Gauge<'endpoint'> = new Gauge({
    name: 'regionwatch_webhook_breaker_state',
    help: 'Circuit breaker of a webhook endpoint: 0 closed, 1 half-open (a probe is out), 2 open (deliveries held)',
    labelNames: ['endpoint'],
    registers: [this.registry],
    collect: () => this.endpointsRead.wait(),
  });
  private readonly held = new Gauge({
    name: 'regionwatch_webhook_held',
    help: "Deliveries waiting in a webhook endpoint's line (breaker open, paused, or over WEBHOOK_ENDPOINT_MAX_RPS)",
    labelNames: ['endpoint'],
    registers: [this.registry],
    collect: () => this.endpointsRead.wait(),
  });
  private readonly oldestUndelivered = new Gauge({
    name: 'regionwatch_webhook_oldest_undelivered_seconds',
    help: 'Age of the oldest result not yet delivered to a webhook endpoint (held or between retries; dead letters excluded)',
    labelNames: ['endpoint'],
    registers: [this.registry],
    collect: () => this.endpointsRead.wait(),
  });
  /**
   * Runs of the poll processor: one per BullMQ job start of the poll queue(s), the unit BullMQ's limiter counts
   * under ASPOSE_MAX_RPS. Runs that made no GET are regionwatch_polls_total{outcome="rate_limited"} (held back)
   * and regionwatch_first_poll_waits_total, among others (issue 12: how much of the budget goes to GETs).
   */
  readonly pollRuns = new Counter({
    name: 'regionwatch_poll_runs_total',
    help: 'Runs of the poll processor (BullMQ job starts of the poll queues), whatever they did',
    registers: [this.registry],
  });
  /** Adaptive: first runs that only re-delayed the job to the learned first poll (no GET). */
  readonly firstPollWaits = new Counter({
    name: 'regionwatch_first_poll_waits_total',
    help: 'First runs of a poll job re-delayed to the learned first poll without a GET (adaptive polling)',
    registers: [this.registry],
  });
  /** Adaptive polling (issue 12): GETs a task took, observed once when it finishes. */
  readonly pollsPerTask = new Histogram({
    name: 'regionwatch_polls_per_task',
    help: 'Polls (GET requests made, as RegionResult.polls) a task took until its terminal status',
    buckets: [1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100],
    registers: [this.registry],
  });
  /**
   * Upper bound of how late a completion was noticed: terminal poll time minus the previous poll's
   * (minus submittedAt for a task found done at its first poll). Aspose does not say when a task
   * finished, so the true lag is somewhere below this.
   */
  readonly detectionLag = new Histogram({
    name: 'regionwatch_detection_lag_seconds',
    help: 'Upper bound of the detection lag: terminal poll time minus the previous poll time',
    buckets: [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 300],
    registers: [this.registry],
  });
  /** Learned completion-time quantiles per kind (`_shared`: all tasks); set from `learner.learnedQuantiles()`. */
  readonly learnedCompletion = new Gauge({
    name: 'regionwatch_learned_completion_seconds',
    help: 'Learned completion time (from submittedAt) at a quantile, per kind; kind="_shared" is the estimate of all tasks',
    labelNames: ['kind', 'quantile'],
    registers: [this.registry],
    // Read from Redis at scrape time when a learner is watched (bounded: SCRAPE_REDIS_TIMEOUT_MS; the last values stay).
    collect: () => this.learnedRead.wait(),
  });
  private learned: (() => Promise<readonly LearnedQuantile[]>) | undefined;
  private readonly learnedRead = new ScrapeRead(async () => {
    if (this.learned) this.setLearnedQuantiles(await this.learned());
  });
  /** Waiting jobs in the results queue (set by the backlog watch, and read again at scrape time). */
  readonly resultsBacklog = new Gauge({
    name: 'regionwatch_results_backlog_jobs',
    help: 'Results waiting in the results queue for a consumer (read from Redis)',
    registers: [this.registry],
    // Bounded (SCRAPE_REDIS_TIMEOUT_MS): while Redis does not answer the last value read stays.
    collect: () => this.backlogRead.wait(),
  });
  private readonly backlogRead = new ScrapeRead(async () => {
    if (this.resultsQueue) this.resultsBacklog.set(await this.resultsQueue.getWaitingCount());
  });
  private resultsQueue: Queue | undefined;
  private watched: readonly { queue: Queue; label: string }[] = [];
  private health: { readiness: Readiness; probe: RedisProbe } | undefined;
  // One read at a time: a scrape while the previous read still waits on a slow Redis adds nothing.
  private readonly queueDepthsRead = new ScrapeRead(() =>
    Promise.all(
      this.watched.map(async ({ queue, label }) => {
        const counts = await queue.getJobCounts(...JOB_STATES);
        for (const state of JOB_STATES) this.queueJobs.set({ queue: label, state }, counts[state] ?? 0);
      }),
    ),
  );
  private healthRead: Promise<void> | undefined;
  // Queue depths are read on scrape, so they are right whichever replica is asked. While Redis does
  // not answer they keep their last values (regionwatch_redis_up says they are stale) rather than vanish.
  private readonly queueJobs: Gauge<'queue' | 'state'> = new Gauge({
    name: 'regionwatch_queue_jobs',
    help: 'Jobs per queue and state (read from Redis at scrape time; the last values read while Redis does not answer)',
    labelNames: ['queue', 'state'],
    registers: [this.registry],
    collect: () => this.collectQueueDepths(),
  });
  // Readiness and Redis, also read at scrape time (one PING + INFO per scrape, bounded: SCRAPE_REDIS_TIMEOUT_MS).
  readonly redisUp = new Gauge({
    name: 'regionwatch_redis_up',
    help: 'Whether Redis answered this replica just now (1) or not (0)',
    registers: [this.registry],
    collect: () => this.collectHealth(),
  });
  readonly ready = new Gauge({
    name: 'regionwatch_ready',
    help: 'Whether this replica is ready (1), as /readyz answers, or not (0)',
    registers: [this.registry],
    collect: () => this.collectHealth(),
  });
  readonly notReady = new Gauge({
    name: 'regionwatch_not_ready',
    help: 'Why this replica is not ready: 1 while the reason holds, 0 otherwise (reasons as /readyz names them)',
    labelNames: ['reason'],
    registers: [this.registry],
    collect: () => this.collectHealth(),
  });
  readonly redisUsedMemory = new Gauge({
    name: 'regionwatch_redis_used_memory_bytes',
    help: "Redis's used_memory (INFO memory), the last value read",
    registers: [this.registry],
    collect: () => this.collectHealth(),
  });
  readonly redisMaxmemory = new Gauge({
    name: 'regionwatch_redis_maxmemory_bytes',
    help: "Redis's maxmemory (INFO memory; 0 = no limit), the last value read",
    registers: [this.registry],
    collect: () => this.collectHealth(),
  });

  /** `prefix` (REGIONWATCH_PREFIX) becomes a label of every series, so several environments can share one Prometheus. */
  constructor(options: { defaultMetrics?: boolean; prefix?: string } = {}) {
    if (options.prefix !== undefined) this.registry.setDefaultLabels({ prefix: options.prefix });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'regionwatch_process_' });
  }

  watchQueues(queues: readonly (Queue | { queue: Queue; label: string })[], resultsQueue?: Queue): void {
    // A queue's `queue` label is its name, or the label given (poll shards: `p<i>.regions-poll`).
    this.watched = queues.map((q) => ('label' in q ? q : { queue: q, label: q.name }));
    this.resultsQueue = resultsQueue;
  }

  /** Where the per-endpoint gauges come from (the endpoints in the order first seen). */
  watchEndpoints(read: () => Promise<readonly EndpointHealth[]>): void {
    this.endpointHealth = read;
  }

  /**
   * The first NAMED_ENDPOINTS endpoints by name, the rest summed up as `other` (worst state, every
   * held delivery, oldest age): the label set stays bounded however many receivers there are.
   */
  private async collectEndpoints(now = Date.now()): Promise<void> {
    if (!this.endpointHealth) return;
    const endpoints = await this.endpointHealth();
    const rows = new Map<string, { state: number; held: number; oldest: number }>();
    endpoints.forEach((health, rank) => {
      const label = endpointLabel(health.endpoint, rank);
      const row = rows.get(label) ?? { state: 0, held: 0, oldest: 0 };
      row.state = Math.max(row.state, BREAKER_STATES.indexOf(health.state));
      row.held += health.held;
      if (health.oldestUndeliveredAt !== null) row.oldest = Math.max(row.oldest, (now - health.oldestUndeliveredAt) / 1000);
      rows.set(label, row);
    });
    for (const gauge of [this.breakerState, this.held, this.oldestUndelivered]) gauge.reset();
    for (const [endpoint, row] of rows) {
      this.breakerState.set({ endpoint }, row.state);
      this.held.set({ endpoint }, row.held);
      this.oldestUndelivered.set({ endpoint }, row.oldest);
    }
  }

  /** Readiness and Redis gauges follow these (without them the gauges say ready and up). */
  watchHealth(readiness: Readiness, probe: RedisProbe): void {
    this.health = { readiness, probe };
  }

  /** Every health gauge collects through this; one look at Redis per scrape, shared. */
  private collectHealth(): Promise<void> {
    return (this.healthRead ??= this.readHealth().finally(() => (this.healthRead = undefined)));
  }

  private async readHealth(): Promise<void> {
    const check: RedisCheck = this.health ? await this.health.probe.check() : { up: true };
    this.redisUp.set(check.up ? 1 : 0);
    if (check.usedMemoryBytes !== undefined) this.redisUsedMemory.set(check.usedMemoryBytes);
    if (check.maxmemoryBytes !== undefined) this.redisMaxmemory.set(check.maxmemoryBytes);
    const reasons = this.health?.readiness.reasonCodes(check.up) ?? new Set();
    this.ready.set(reasons.size === 0 ? 1 : 0);
    for (const reason of NOT_READY_REASONS) this.notReady.set({ reason }, reasons.has(reason) ? 1 : 0);
  }

  private async collectQueueDepths(): Promise<void> {
    if (this.health && !(await this.health.probe.check()).up) return; // keep the last values
    await this.queueDepthsRead.wait();
  }

  /** Where the learned-quantile gauges come from (`learner.learnedQuantiles`), read on each scrape. */
  watchLearned(read: () => Promise<readonly LearnedQuantile[]>): void {
    this.learned = read;
  }

  /**
   * Replaces the learned quantiles (kinds forgotten by the learner disappear; at most POLL_MAX_KINDS + 1
   * kinds, so the label set stays bounded). Rows come from `CompletionLearner.learnedQuantiles()`.
   */
  setLearnedQuantiles(rows: readonly LearnedQuantile[]): void {
    this.learnedCompletion.reset();
    for (const { kind, quantile, seconds } of rows) {
      if (Number.isFinite(seconds)) this.learnedCompletion.set({ kind, quantile: String(quantile) }, seconds);
    }
  }

  /** Zeroes every labelled series that operators alert on, so a dashboard shows 0 rather than "no data". */
  initialise(): void {
    for (const outcome of [
      'pending',
      'processing',
      'completed',
      'error',
      'notexist',
      'transient_error',
      'auth_error',
      'client_error',
      'invalid_response',
      'rate_limited',
    ] satisfies PollOutcome[])
      this.polls.inc({ outcome }, 0);
    for (const status of RESULT_STATUSES) this.tasksFinished.inc({ status }, 0);
    for (const outcome of ['delivered', 'retry', 'gone', 'dead_letter', 'refused'] satisfies WebhookOutcome[])
      this.webhookDeliveries.inc({ outcome }, 0);
  }
}
