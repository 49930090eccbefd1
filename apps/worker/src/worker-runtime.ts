import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createAsposeClient,
  createLogger,
  createRedisConnection,
  describeRedisTarget,
  redisTargetFrom,
  JOB_RETENTION,
  listEndpointHealth,
  logRedisOutages,
  POLL_QUEUE,
  RequestRateLimiter,
  requestGate,
  rpsWindow,
  SharedPause,
  TaskRecordStore,
  WEBHOOK_QUEUE,
  webhookRetrySchedule,
  type AsposeClient,
  type WorkerConfig,
  type Logger,
  type RedisClient,
} from '@regionwatch/core';
import { Queue, Worker, type Job } from 'bullmq';
import { createHandOff } from './delivery/hand-off.js';
import { createHealthServer } from './health/health-server.js';
import { Readiness } from './health/readiness.js';
import { UpstreamHealth } from './health/upstream-health.js';
import { failUnreadableActiveJobs, isUnreadableJobError } from './jobs/fail-unreadable-jobs.js';
import { ResultsBacklogWatch } from './metrics/results-backlog.js';
import { WorkerMetrics } from './metrics/worker-metrics.js';
import { createPollProcessor, type PollReturn } from './poll/poll-processor.js';
import { rescheduleJobIn } from './poll/reschedule-job.js';
import { EndpointBreaker } from './webhook/endpoint-breaker.js';
import { EndpointScheduler } from './webhook/endpoint-scheduler.js';
import { unexpectedErrorDelay } from './webhook/webhook-job-options.js';
import { createWebhookProcessor, type DeliveryReceipt } from './webhook/webhook-processor.js';

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
};

export type RunningWorker = {
  readonly metrics: WorkerMetrics;
  readonly readiness: Readiness;
  readonly aspose: AsposeClient;
  /** Bound port of the health server, when it runs. */
  readonly healthPort: number | undefined;
  readonly pollWorker: Worker<unknown, PollReturn>;
  readonly webhookWorker: Worker<unknown, DeliveryReceipt>;
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
  logRedisOutages(connection, logger);
  const prefix = config.REGIONWATCH_PREFIX;
  // ASPOSE_MAX_RPS twice over: BullMQ's limiter paces job starts (so over-budget jobs wait in Redis
  // instead of spinning), and a sliding window checked right before each request holds the cap as
  // Aspose sees it — also for token requests and requests that waited on a token refresh or retry after a 401.
  const limiter =
    config.ASPOSE_MAX_RPS === undefined
      ? undefined
      : RequestRateLimiter.perSecond(connection, `${prefix}:${POLL_QUEUE}:aspose-rate`, config.ASPOSE_MAX_RPS);
  // When Aspose throttles the account (429, or 503 with Retry-After), every replica pauses its requests.
  const pause = new SharedPause(connection, `${prefix}:${POLL_QUEUE}:aspose-pause`);
  const ownsAspose = options.aspose === undefined;
  const aspose = options.aspose ?? createAsposeClient(config, { beforeRequest: requestGate(pause, limiter) });
  const metrics = new WorkerMetrics({ defaultMetrics: options.defaultMetrics ?? true });
  metrics.initialise();
  const readiness = new Readiness();

  const queue = (name: string) => new Queue(name, { connection, prefix });
  const pollQueue = queue(POLL_QUEUE);
  const webhookQueue = queue(WEBHOOK_QUEUE);
  const resultsQueue = config.RESULTS_QUEUE === '' ? undefined : queue(config.RESULTS_QUEUE);
  metrics.watchQueues([pollQueue, webhookQueue, ...(resultsQueue ? [resultsQueue] : [])], resultsQueue);

  const records = new TaskRecordStore(connection, prefix);
  const handOff = createHandOff({
    connection,
    prefix,
    resultsQueue,
    webhookQueue,
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

  const pollWorker = new Worker<unknown, PollReturn>(
    POLL_QUEUE,
    createPollProcessor({ aspose, records, reschedule: rescheduleJobIn(pollQueue), handOff, pause, upstream, config, metrics, logger }),
    {
      ...shared,
      // Shared in Redis: the cap holds across every replica together. Every poll is one job start.
      ...(config.ASPOSE_MAX_RPS === undefined ? {} : { limiter: rpsWindow(config.ASPOSE_MAX_RPS) }),
      // For poll jobs added without these options (producers in other languages).
      ...JOB_RETENTION.poll,
    },
  );
  // Webhooks: one circuit breaker and line of held deliveries per endpoint, in Redis (shared by every
  // replica); each replica's scheduler releases held deliveries and probes (docs/operations.md).
  const schedule = webhookRetrySchedule(config);
  const breaker = new EndpointBreaker(connection, prefix, {
    maxRps: config.WEBHOOK_ENDPOINT_MAX_RPS,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    inflightLimit: Math.max(1, Math.floor(config.WORKER_CONCURRENCY / 2)),
    schedule,
  });
  const endpointScheduler = new EndpointScheduler({ redis: connection, breaker, webhookQueue, logger });
  metrics.watchEndpoints(async () => (await listEndpointHealth(connection, prefix)).endpoints);
  const deliver = createWebhookProcessor({
    secrets: config.WEBHOOK_SECRET,
    allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    schedule,
    endpointMaxRps: config.WEBHOOK_ENDPOINT_MAX_RPS,
    breaker,
    redis: connection,
    webhookQueue,
    metrics,
    logger,
  });
  const webhookWorker = new Worker<unknown, DeliveryReceipt>(WEBHOOK_QUEUE, deliver, {
    ...shared,
    // Only for errors the processor did not expect: its retry schedule is its own (webhook-job-options.ts).
    settings: { backoffStrategy: (attemptsMade: number) => unexpectedErrorDelay(attemptsMade) },
  });
  for (const [worker, queue] of [
    [pollWorker, pollQueue],
    [webhookWorker, webhookQueue],
  ] as const) {
    let sweeping: Promise<unknown> | undefined;
    worker.on('error', (error) => {
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
    server = createHealthServer({ readiness, registry: metrics.registry, pingRedis: () => ping(connection) });
    await new Promise<void>((resolve, reject) => {
      server?.once('error', reject);
      server?.listen(config.METRICS_PORT, () => resolve());
    });
  }

  void pollWorker.run();
  void webhookWorker.run();
  await Promise.all([pollWorker.waitUntilReady(), webhookWorker.waitUntilReady()]);
  endpointScheduler.start();
  readiness.markRunning();
  backlog?.start();
  void backlog?.check().catch(() => {});
  const healthPort = server ? (server.address() as AddressInfo).port : undefined;
  logger.info(
    {
      concurrency: config.WORKER_CONCURRENCY,
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
      readiness.markShuttingDown();
      backlog?.stop();
      logger.info({ timeoutMs }, 'worker stopping: finishing jobs in flight');
      await endpointScheduler.stop();
      const graceful = Promise.all([pollWorker.close(), webhookWorker.close()]).then(() => true);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
      const finished = await Promise.race([graceful, timedOut]);
      clearTimeout(timer);
      if (!finished) {
        logger.warn('jobs still in flight at the shutdown timeout: handing them back (stalled-job recovery)');
        await Promise.all([pollWorker.close(true), webhookWorker.close(true)]);
      }
      await handOff.close();
      await Promise.all([pollQueue.close(), webhookQueue.close(), resultsQueue?.close()]);
      connection.disconnect();
      if (ownsAspose) await aspose.close();
      await deliver.close();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server?.closeAllConnections();
      logger.info('worker stopped');
    })());

  return { metrics, readiness, aspose, healthPort, pollWorker, webhookWorker, close };
}

async function ping(connection: RedisClient): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      connection.ping().then((answer) => answer === 'PONG'),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 1_000))),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
