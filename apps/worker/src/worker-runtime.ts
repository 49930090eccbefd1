import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createAsposeClient,
  createCompletionLearner,
  createLogger,
  createRedisConnection,
  describeRedisTarget,
  redisTargetFrom,
  JOB_RETENTION,
  LEARNER_DEFAULTS,
  listEndpointHealth,
  POLL_QUEUE,
  pollShardLabel,
  pollShards,
  RedisOutageLog,
  RATE_SLOT_WAIT_MS,
  RequestRateLimiter,
  requestGate,
  SharedPause,
  TaskRecordStore,
  WEBHOOK_QUEUE,
  webhookRetrySchedule,
  webhookShardLabel,
  type AsposeClient,
  type CompletionLearner,
  type WorkerConfig,
  type Logger,
} from '@regionwatch/core';
import { Queue, Worker, type Job } from 'bullmq';
import { createHandOff } from './delivery/hand-off.js';
import { DISCONNECT_WAIT_MS, within } from './health/bounded-wait.js';
import { createHealthServer } from './health/health-server.js';
import { LostLockLog } from './health/lost-lock-log.js';
import { Readiness } from './health/readiness.js';
import { UpstreamHealth } from './health/upstream-health.js';
import { failUnreadableActiveJobs, isUnreadableJobError } from './jobs/fail-unreadable-jobs.js';
import { ResultsBacklogWatch } from './metrics/results-backlog.js';
import { RedisProbe } from './health/redis-probe.js';
import { writesSucceeded } from './health/writes-succeeded.js';
import { WorkerMetrics } from './metrics/worker-metrics.js';
import { checkPollLayout } from './poll/poll-layout-check.js';
import { createPollProcessor, type PollReturn } from './poll/poll-processor.js';
import { rescheduleJobIn } from './poll/reschedule-job.js';
import { EndpointBreaker } from './webhook/endpoint-breaker.js';
import { EndpointScheduler } from './webhook/endpoint-scheduler.js';
import { unexpectedErrorDelay } from './webhook/webhook-job-options.js';
import { createWebhookProcessor, type DeliveryReceipt } from './webhook/webhook-processor.js';
import { webhookQueues } from './webhook/webhook-queues.js';

export type StartWorkerOptions = {
  config: WorkerConfig;
  logger?: Logger;
  /** Defaults to a client built from the config (credentials required). */
  aspose?: AsposeClient;
  /** Serve /healthz, /readyz, /metrics on METRICS_PORT (default true; tests may pass false). */
  serveHealth?: boolean;
  /** Register Node's default process metrics (off when several workers share a process). */
  defaultMetrics?: boolean;
  /** How often the results backlog is read (one LLEN); default 15 s. */
  resultsBacklogCheckMs?: number;
  /** While Redis stays unreachable, one reminder line this often (default a minute). */
  outageReminderMs?: number;
  /** Adaptive polling: what was learned goes to Redis at most this often (default 1 s; tests: never before close). */
  learnerFlushMs?: number;
};

export type RunningWorker = {
  readonly metrics: WorkerMetrics;
  readonly readiness: Readiness;
  readonly aspose: AsposeClient;
  /** Bound port of the health server, when it runs. */
  readonly healthPort: number | undefined;
  /** The first poll shard's worker (the only one with POLL_SHARDS=1). */
  readonly pollWorker: Worker<unknown, PollReturn>;
  /** One per poll shard, in shard order. */
  readonly pollWorkers: readonly Worker<unknown, PollReturn>[];
  /** Adaptive polling's learner (POLL_STRATEGY=adaptive), undefined for exponential. */
  readonly learner: CompletionLearner | undefined;
  /** The first webhook shard's worker (the only one with POLL_SHARDS=1). */
  readonly webhookWorker: Worker<unknown, DeliveryReceipt>;
  /** One per webhook shard (one per poll shard), in shard order. */
  readonly webhookWorkers: readonly Worker<unknown, DeliveryReceipt>[];
  /**
   * Stops taking jobs, waits for those in flight up to `timeoutMs` (then lets stalled-job recovery
   * hand the rest to other replicas), closes Redis. `/readyz` answers 503 from the first moment.
   */
  close(timeoutMs?: number): Promise<void>;
};

/** One worker replica: poll and webhook processors, their queues, and the health/metrics server. */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL, name: 'regionwatch-worker' });
  const redisTarget = redisTargetFrom(config);
  const connection = createRedisConnection(redisTarget, 'blocking');
  // Every connection, queue and BullMQ worker below reports its Redis errors here: an outage is a
  // few lines, not one per reconnection attempt and lock renewal (see RedisOutageLog).
  const outage = new RedisOutageLog({ logger, ...(options.outageReminderMs ? { reminderMs: options.outageReminderMs } : {}) }).watch(
    connection,
  );
  const lostLocks = new LostLockLog(logger);
  const prefix = config.REGIONWATCH_PREFIX;
  // ASPOSE_MAX_RPS twice over: BullMQ's limiter paces job starts (so over-budget jobs wait in Redis
  // instead of spinning), and a sliding window checked right before each request holds the cap as
  // Aspose sees it — also for token requests and requests that waited on a token refresh or retry after a 401.
  // Both run at the same rate (ASPOSE_MAX_RPS per 1 s + ARRIVAL_MARGIN_MS; BullMQ's is derived from the window), the
  // window spaces admissions evenly, and a request waits up to RATE_SLOT_WAIT_MS for its slot before it is refused (then
  // re-delayed): docs/adaptive-polling.md, "Under a binding cap".
  const limiter =
    config.ASPOSE_MAX_RPS === undefined
      ? undefined
      : RequestRateLimiter.perSecond(connection, `${prefix}:${POLL_QUEUE}:aspose-rate`, config.ASPOSE_MAX_RPS, RATE_SLOT_WAIT_MS);
  // When Aspose throttles the account (429, or 503 with Retry-After), every replica pauses its requests.
  const pause = new SharedPause(connection, `${prefix}:${POLL_QUEUE}:aspose-pause`);
  const ownsAspose = options.aspose === undefined;
  const aspose = options.aspose ?? createAsposeClient(config, { beforeRequest: requestGate(pause, limiter) });
  const metrics = new WorkerMetrics({ defaultMetrics: options.defaultMetrics ?? true, prefix });
  metrics.initialise();
  const readiness = new Readiness();
  const probe = new RedisProbe(connection);
  metrics.watchHealth(readiness, probe);

  // Without an 'error' listener BullMQ prints each of a queue's errors to stderr, stack and all.
  const queue = (name: string, queuePrefix = prefix) =>
    new Queue(name, { connection, prefix: queuePrefix }).on('error', (error) => {
      if (!outage.report(error, name)) logger.error({ err: error, queue: name }, 'queue error');
    });
  // POLL_SHARDS poll queues, each under its own hash tag; this replica consumes every one of them.
  const shardCount = config.POLL_SHARDS;
  const shards = pollShards(prefix, shardCount);
  const pollQueues = shards.map((shard) => queue(POLL_QUEUE, shard.prefix));
  // Webhook deliveries: with POLL_SHARDS > 1 each shard has its own webhook queue beside its poll queue (a
  // delivery in its task's shard); this replica consumes every one of them. POLL_SHARDS=1: `regions-webhooks`.
  const webhookShardQueues = shards.map((shard) => queue(WEBHOOK_QUEUE, shard.prefix));
  // Built once, passed as it is to the hand-off, the delivery processor and the endpoint scheduler.
  const webhooks = webhookQueues(webhookShardQueues);
  const resultsQueue = config.RESULTS_QUEUE === '' ? undefined : queue(config.RESULTS_QUEUE);
  metrics.watchQueues(
    [
      ...pollQueues.map((q, i) => ({ queue: q, label: pollShardLabel(i, shardCount) })),
      ...webhookShardQueues.map((q, i) => ({ queue: q, label: webhookShardLabel(i, shardCount) })),
      ...(resultsQueue ? [resultsQueue] : []),
    ],
    resultsQueue,
  );

  // Adaptive polling: completion times learned in Redis, shared by every replica (docs/adaptive-polling.md).
  // Observations go out in one script per kind at most every second; estimates are re-read every 5 s.
  const learnerFlushMs = options.learnerFlushMs ?? LEARNER_DEFAULTS.flushMs;
  const learner =
    config.POLL_STRATEGY === 'adaptive'
      ? createCompletionLearner(connection, prefix, {
          halfLifeCompletions: config.POLL_LEARN_HALF_LIFE,
          minSamples: config.POLL_LEARN_MIN_SAMPLES,
          maxKinds: config.POLL_MAX_KINDS,
          flushMs: learnerFlushMs,
        })
      : undefined;
  if (learner) metrics.watchLearned(() => learner.learnedQuantiles());
  // Observations of a quiet minute would otherwise wait for the next poll to go out.
  const learnFlush = learner
    ? setInterval(() => {
        learner.flush().catch((error: Error) => {
          if (!outage.report(error, POLL_QUEUE))
            logger.warn({ err: error }, 'could not send learned completion times (kept for the next flush)');
        });
      }, learnerFlushMs).unref()
    : undefined;
  // The hand-off finds a task's record in the task's shard; each shard's processor decides in its own queue.
  const records = new TaskRecordStore(connection, prefix, { shards: shardCount });
  const handOff = createHandOff({
    connection,
    prefix,
    resultsQueue,
    webhookQueues: webhooks,
    records,
    logger,
  });
  const upstream = new UpstreamHealth(readiness, logger);
  const backlog = resultsQueue
    ? new ResultsBacklogWatch({
        queue: resultsQueue,
        threshold: config.RESULTS_BACKLOG_WARN,
        readiness,
        logger,
        observe: (waiting) => metrics.resultsBacklog.set(waiting),
        ...(options.resultsBacklogCheckMs === undefined ? {} : { intervalMs: options.resultsBacklogCheckMs }),
      })
    : undefined;
  const shared = {
    connection,
    prefix,
    concurrency: config.WORKER_CONCURRENCY,
    lockDuration: config.WORKER_LOCK_DURATION_MS,
    stalledInterval: config.WORKER_LOCK_DURATION_MS,
    // Both processors are safe to repeat, so a job that stalls with a crashing replica is simply
    // taken again; failing it after one stall (BullMQ's default) would lose the task.
    maxStalledCount: 1_000,
    autorun: false,
  };

  // WORKER_CONCURRENCY is the replica's: split evenly over the shards (at least one job each). BullMQ's
  // job-start pacing gets ASPOSE_MAX_RPS / POLL_SHARDS per shard (each limiter is its queue's); the one cap
  // Aspose sees is the shared window every request passes (`limiter` above), whatever the shards.
  const shardConcurrency = (index: number) =>
    Math.max(1, Math.floor(config.WORKER_CONCURRENCY / shardCount) + (index < config.WORKER_CONCURRENCY % shardCount ? 1 : 0));
  const pollWorkers = shards.map(
    (shard, index) =>
      new Worker<unknown, PollReturn>(
        POLL_QUEUE,
        writesSucceeded(
          createPollProcessor({
            aspose,
            records: new TaskRecordStore(connection, prefix, { shards: shardCount, shard: index }),
            reschedule: rescheduleJobIn(pollQueues[index] as Queue),
            handOff,
            pause,
            upstream,
            config,
            metrics,
            logger,
            learner,
            // Priorities only matter when polls queue up for the rate budget, and cost BullMQ commands otherwise.
            priorities: config.ASPOSE_MAX_RPS !== undefined,
          }),
          outage,
        ),
        {
          ...shared,
          prefix: shard.prefix,
          concurrency: shardConcurrency(index),
          // Shared in Redis: the cap holds across every replica together. Every poll is one job start.
          // Derived from the request window (its rate, its margin, its gap), in slices that do not queue up behind its gap.
          ...(limiter === undefined ? {} : { limiter: limiter.jobStartLimiter(shardCount) }),
          // For poll jobs added without these options (producers in other languages).
          ...JOB_RETENTION.poll,
        },
      ),
  );
  const pollWorker = pollWorkers[0] as Worker<unknown, PollReturn>;
  // Webhooks: one circuit breaker and line of held deliveries per endpoint (per endpoint and poll shard with
  // POLL_SHARDS > 1, caps split over the shards), in Redis (shared by every replica); each replica's scheduler
  // releases held deliveries and probes (docs/operations.md).
  const schedule = webhookRetrySchedule(config);
  const breaker = new EndpointBreaker(
    connection,
    prefix,
    {
      maxRps: config.WEBHOOK_ENDPOINT_MAX_RPS,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      inflightLimit: Math.max(1, Math.floor(config.WORKER_CONCURRENCY / 2)),
      schedule,
    },
    shardCount,
    (error) => logger.warn({ err: error }, 'could not tell another poll shard about a webhook breaker change; it learns by itself'),
  );
  const endpointScheduler = new EndpointScheduler({ redis: connection, breaker, webhookQueues: webhooks, logger });
  metrics.watchEndpoints(async () => (await listEndpointHealth(connection, prefix, { shards: shardCount })).endpoints);
  const deliver = createWebhookProcessor({
    secrets: config.WEBHOOK_SECRET,
    allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    schedule,
    breaker,
    redis: connection,
    webhookQueues: webhooks,
    metrics,
    logger,
  });
  // One per webhook shard, WORKER_CONCURRENCY split over them as for the poll shards.
  const webhookWorkers = shards.map(
    (shard, index) =>
      new Worker<unknown, DeliveryReceipt>(WEBHOOK_QUEUE, writesSucceeded(deliver, outage), {
        ...shared,
        prefix: shard.prefix,
        concurrency: shardConcurrency(index),
        // Only for errors the processor did not expect: its retry schedule is its own (webhook-job-options.ts).
        settings: { backoffStrategy: (attemptsMade: number) => unexpectedErrorDelay(attemptsMade) },
      }),
  );
  const webhookWorker = webhookWorkers[0] as Worker<unknown, DeliveryReceipt>;
  for (const [worker, queue] of [
    ...pollWorkers.map((w, i) => [w, pollQueues[i] as Queue] as const),
    ...webhookWorkers.map((w, i) => [w, webhookShardQueues[i] as Queue] as const),
  ]) {
    let sweeping: Promise<unknown> | undefined;
    worker.on('error', (error) => {
      if (!outage.report(error, worker.name) && !lostLocks.report(error, worker.name))
        logger.error({ err: error, queue: worker.name }, 'worker error');
      // A job BullMQ took but cannot read: fail it now, not after up to maxStalledCount stalls.
      if (isUnreadableJobError(error)) {
        sweeping ??= failUnreadableActiveJobs(queue, connection, logger)
          .catch((sweepError: unknown) => logger.warn({ err: sweepError, queue: worker.name }, 'could not fail unreadable jobs'))
          .finally(() => (sweeping = undefined));
      }
    });
    worker.on('failed', (job: Job | undefined, error: Error) => {
      if (job && (job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError')) {
        logger.error({ queue: worker.name, jobId: job.id, error: error.message }, 'job failed for good (in the failed set)');
      }
    });
  }

  let server: Server | undefined;
  if (options.serveHealth ?? true) {
    server = createHealthServer({ readiness, registry: metrics.registry, pingRedis: async () => (await probe.check()).up });
    await new Promise<void>((resolve, reject) => {
      server?.once('error', reject);
      server?.listen(config.METRICS_PORT, () => resolve());
    });
  }

  // Jobs left in the queues of another POLL_SHARDS value would never be polled here: say so at once.
  await checkPollLayout(connection, prefix, shardCount, logger).catch((error: unknown) =>
    logger.warn({ err: error }, 'could not check the poll layout (POLL_SHARDS) at start-up'),
  );
  for (const worker of pollWorkers) void worker.run();
  for (const worker of webhookWorkers) void worker.run();
  await Promise.all([...pollWorkers, ...webhookWorkers].map((w) => w.waitUntilReady()));
  endpointScheduler.start();
  readiness.markRunning();
  backlog?.start();
  void backlog?.check().catch(() => {});
  const healthPort = server ? (server.address() as AddressInfo).port : undefined;
  logger.info(
    {
      concurrency: config.WORKER_CONCURRENCY,
      // Where each poll shard's keys are (its hash tag decides its Cluster slot).
      pollShards: shards.map((shard) => shard.prefix),
      maxRps: config.ASPOSE_MAX_RPS ?? null,
      healthPort: healthPort ?? null,
      prefix,
      redis: describeRedisTarget(redisTarget),
    },
    'worker started',
  );

  let closing: Promise<void> | undefined;
  const close = (timeoutMs = config.SHUTDOWN_TIMEOUT_MS) =>
    (closing ??= (async () => {
      // Everything below runs against one deadline, whatever Redis does: a replica asked to stop must
      // exit within SHUTDOWN_TIMEOUT_MS (Kubernetes kills it at terminationGracePeriodSeconds anyway).
      const started = Date.now();
      const left = () => Math.max(0, started + timeoutMs - Date.now());
      readiness.markShuttingDown();
      logger.info({ timeoutMs, redisReachable: !outage.down }, 'worker stopping: finishing jobs in flight');
      // Jobs in flight get the time but a reserve for closing connections (a fifth, at most a second).
      const reserve = Math.min(1_000, Math.floor(timeoutMs / 5));
      backlog?.stop();
      await within(left() - reserve, endpointScheduler.stop());
      const drained = await within(left() - reserve, Promise.all([...pollWorkers, ...webhookWorkers].map((w) => w.close())));
      if (!drained) {
        logger.warn(
          { redisReachable: !outage.down, waitedMs: Date.now() - started },
          outage.down
            ? 'Redis is unreachable at shutdown: handing jobs in flight back ' +
                '(other replicas take them through stalled-job recovery once Redis is back)'
            : 'jobs still in flight at the shutdown timeout: handing them back (stalled-job recovery)',
        );
        // BullMQ's close() cannot be forced once it has started, so drop the connections instead: the
        // jobs' locks expire and another replica takes them.
        await within(Math.min(left(), DISCONNECT_WAIT_MS), Promise.all([...pollWorkers, ...webhookWorkers].map((w) => w.disconnect())));
      }
      const queues = [...pollQueues, ...webhookShardQueues, ...(resultsQueue ? [resultsQueue] : [])];
      const queuesClosed = drained && (await within(left(), Promise.all(queues.map((q) => q.close()))));
      if (!queuesClosed) await within(Math.min(left(), DISCONNECT_WAIT_MS), Promise.all(queues.map((q) => q.disconnect())));
      await within(left(), handOff.close());
      // What this replica learned since the last flush (the poll worker has stopped: nothing more comes).
      if (learnFlush) clearInterval(learnFlush);
      if (learner && !outage.down) {
        await within(
          left(),
          learner.flush().catch((error: unknown) => logger.warn({ err: error }, 'could not send learned completion times at shutdown')),
        );
      }
      outage.stop();
      lostLocks.stop();
      connection.disconnect();
      await within(left(), Promise.all([ownsAspose ? aspose.close() : undefined, deliver.close()]));
      // Requests being answered (a probe, a scrape) finish; then whatever is left is cut.
      await within(left(), new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));
      server?.closeAllConnections();
      logger.info({ stoppedAfterMs: Date.now() - started, drained }, 'worker stopped');
    })());

  return { metrics, readiness, aspose, healthPort, pollWorker, pollWorkers, webhookWorker, webhookWorkers, learner, close };
}
