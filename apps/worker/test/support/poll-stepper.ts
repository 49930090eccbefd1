import { randomUUID } from 'node:crypto';
import {
  createAsposeClient,
  createLogger,
  JOB_NAMES,
  JOB_RETENTION,
  loadWorkerConfig,
  POLL_QUEUE,
  readProgress,
  requestGate,
  SharedPause,
  TaskRecordStore,
  WEBHOOK_QUEUE,
  type AsposeClient,
  type CompletionLearner,
  type PollProgress,
  type WorkerConfig,
} from '@regionwatch/core';
import type { Simulator } from '@regionwatch/simulator';
import type { TestRedis } from '@regionwatch/testkit/vitest';
import { DelayedError, Queue, Worker, type Job, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import {
  createHandOff,
  createPollProcessor,
  Readiness,
  rescheduleJobIn,
  UpstreamHealth,
  webhookQueues,
  WorkerMetrics,
  type HandOff,
  type PollReturn,
} from '../../src/index.js';
import { LogCapture } from './harness.js';

/** What one run of the processor did. */
export type StepOutcome =
  | { kind: 'delayed'; delayMs: number; progress: PollProgress | undefined }
  | { kind: 'completed'; returned: PollReturn }
  | { kind: 'failed'; error: Error };

export type StepperOptions = {
  simulator: Simulator;
  env?: Record<string, string>;
  /** The processor's clock (deadlines, delays, grace periods); default Date.now. */
  now?: () => number;
  random?: () => number;
  /** Wraps the hand-off (e.g. to make it fail once, as a crash would). */
  wrapHandOff?: (handOff: HandOff) => HandOff;
  aspose?: AsposeClient;
  /** Where the processor shares a throttled account's pause; default the real SharedPause, null: none (one replica alone). */
  sharePause?: Pick<SharedPause, 'pause'> | null;
  /** Adaptive polling's learner (with POLL_STRATEGY=adaptive, the default); absent: the exponential back-off. */
  learner?: Pick<CompletionLearner, 'estimate' | 'pending' | 'observe'>;
  /** Set BullMQ priorities at learned re-delays (the worker does when ASPOSE_MAX_RPS is set). */
  priorities?: boolean;
};

/**
 * The poll processor run step by step against real Redis and real BullMQ jobs, without a running
 * Worker: a job is promoted, taken with a lock token (as a Worker would), and the processor called
 * with it. What BullMQ would do after each run (complete, fail, or nothing after DelayedError) is done
 * here the same way, so lock checks, progress writes and task records are the real ones.
 */
export class PollStepper {
  readonly connection: Redis;
  readonly queue: Queue;
  readonly resultsQueue: Queue;
  readonly webhookQueue: Queue;
  readonly records: TaskRecordStore;
  readonly metrics = new WorkerMetrics({ defaultMetrics: false });
  readonly readiness = new Readiness();
  readonly logs = new LogCapture();
  readonly config: WorkerConfig;
  readonly process: (job: Job, token?: string) => Promise<PollReturn>;
  private readonly fetcher: Worker;
  private readonly handOff: HandOff;
  private readonly aspose: AsposeClient;
  private tokens = 0;
  private readonly id = `stepper-${randomUUID().slice(0, 8)}`;

  constructor(redis: TestRedis, options: StepperOptions) {
    const { simulator } = options;
    this.config = loadWorkerConfig({
      REDIS_URL: redis.url,
      REGIONWATCH_PREFIX: redis.prefix,
      ASPOSE_BASE_URL: simulator.url,
      ASPOSE_CLIENT_ID: simulator.credentials.clientId,
      ASPOSE_CLIENT_SECRET: simulator.credentials.clientSecret,
      POLL_INITIAL_DELAY_MS: '1000',
      POLL_MAX_DELAY_MS: '30000',
      ...options.env,
    });
    this.connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const prefix = redis.prefix;
    this.queue = new Queue(POLL_QUEUE, { connection: this.connection, prefix });
    this.resultsQueue = new Queue(this.config.RESULTS_QUEUE || 'regions-results', { connection: this.connection, prefix });
    this.webhookQueue = new Queue(WEBHOOK_QUEUE, { connection: this.connection, prefix });
    // Takes jobs the way a Worker does (moveToActive with a token); never runs a processor itself.
    this.fetcher = new Worker(POLL_QUEUE, null, { connection: this.connection, prefix, lockDuration: 600_000, ...JOB_RETENTION.poll });
    this.records = new TaskRecordStore(this.connection, prefix);
    const logger = createLogger({ level: 'debug', destination: this.logs });
    const pause = new SharedPause(this.connection, `${prefix}:${POLL_QUEUE}:aspose-pause`);
    this.aspose =
      options.aspose ??
      createAsposeClient(this.config, { beforeRequest: requestGate(pause, undefined), ...(options.now ? { now: options.now } : {}) });
    const handOff = createHandOff({
      connection: this.connection,
      prefix,
      resultsQueue: this.config.RESULTS_QUEUE === '' ? undefined : this.resultsQueue,
      webhookQueues: webhookQueues([this.webhookQueue]),
      records: this.records,
      logger,
    });
    this.handOff = options.wrapHandOff ? Object.assign(options.wrapHandOff(handOff), { close: () => handOff.close() }) : handOff;
    this.process = createPollProcessor({
      aspose: this.aspose,
      records: this.records,
      reschedule: rescheduleJobIn(this.queue),
      handOff: this.handOff,
      pause: options.sharePause === undefined ? pause : (options.sharePause ?? undefined),
      upstream: new UpstreamHealth(this.readiness, logger, options.now),
      config: this.config,
      metrics: this.metrics,
      logger,
      ...(options.now ? { now: options.now } : {}),
      random: options.random ?? (() => 0.5),
      ...(options.learner ? { learner: options.learner } : {}),
      ...(options.priorities ? { priorities: true } : {}),
    }) as (job: Job, token?: string) => Promise<PollReturn>;
  }

  /**
   * Adds a poll job as regionwatch's producer does (trackingId, job id = task id unless given),
   * delayed until a step takes it, so several jobs can wait side by side.
   */
  async track(data: Record<string, unknown>, opts: JobsOptions = {}): Promise<void> {
    await this.queue.add(
      JOB_NAMES.poll,
      { trackingId: randomUUID(), ...data },
      { jobId: String(data.taskId), attempts: 10, delay: 3_600_000, ...JOB_RETENTION.poll, ...opts },
    );
  }

  /** Makes the job due now and takes it with a fresh lock token, as a replica would. */
  async take(jobId: string): Promise<{ job: Job; token: string }> {
    const state = await this.queue.getJobState(jobId);
    if (state === 'delayed') await (await this.queue.getJob(jobId))?.promote();
    const token = `${this.id}:${(this.tokens += 1)}`;
    const job = await this.fetcher.getNextJob(token, { block: false });
    if (!job) throw new Error(`job ${jobId} could not be taken (state ${state})`);
    if (job.id !== jobId) throw new Error(`took job ${job.id}, expected ${jobId}: step one job at a time`);
    return { job, token };
  }

  /** Runs the processor on a job taken with `token`, then does what BullMQ's Worker would do with the outcome. */
  async run(job: Job, token: string): Promise<StepOutcome> {
    try {
      const returned = await this.process(job, token);
      await job.moveToCompleted(returned, token, false);
      return { kind: 'completed', returned };
    } catch (error) {
      if (error instanceof DelayedError) {
        const raw = await this.connection.hget(this.queue.toKey(String(job.id)), 'progress');
        const progress = raw === null ? undefined : readProgress(JSON.parse(raw));
        return { kind: 'delayed', delayMs: progress?.nextDelayMs ?? Number.NaN, progress };
      }
      await job.moveToFailed(error as Error, token, false).catch(() => {});
      return { kind: 'failed', error: error as Error };
    }
  }

  /** take + run. */
  async step(jobId: string): Promise<StepOutcome> {
    const { job, token } = await this.take(jobId);
    return this.run(job, token);
  }

  /**
   * One run of BullMQ's stalled-job check (two runs move a job whose lock expired back to wait). The
   * check runs at most once per stalled interval, which its `stalled-check` key marks: cleared first.
   */
  async stalledCheck(): Promise<void> {
    await this.connection.del(this.queue.toKey('stalled-check'));
    await this.fetcher.backend.moveStalledJobsToWait();
  }

  async progress(jobId: string): Promise<PollProgress | undefined> {
    const raw = await this.connection.hget(this.queue.toKey(jobId), 'progress');
    return raw === null ? undefined : readProgress(JSON.parse(raw));
  }

  async pollsMetric(outcome: string): Promise<number> {
    const text = await this.metrics.registry.getSingleMetricAsString('regionwatch_polls_total');
    return Number(new RegExp(`outcome="${outcome}"} (\\d+)`).exec(text)?.[1] ?? 0);
  }

  async close(): Promise<void> {
    await this.fetcher.close();
    await this.handOff.close();
    await Promise.all([this.queue.close(), this.resultsQueue.close(), this.webhookQueue.close()]);
    if (this.aspose) await this.aspose.close();
    this.connection.disconnect();
  }
}
