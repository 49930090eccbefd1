import { randomBytes } from 'node:crypto';
import {
  createRedisConnection,
  POLL_QUEUE,
  pollShards,
  shardOfTask,
  WEBHOOK_QUEUE,
  type RedisClient,
  type RedisTarget,
} from '@regionwatch/core';
import { RegionTaskProducer } from '@regionwatch/producer';
import { startSimulator, type Simulator, type SimulatorOptions } from '@regionwatch/simulator';
import { startWorkerProcess, stopWorkerProcesses, WebhookReceiver, type WorkerProcess } from '@regionwatch/testkit';
import { Queue } from 'bullmq';
import { RestartableRedis } from './restartable-redis.js';

/** Secrets every chaos run uses, so each scenario can check that none of them reaches a log. */
export const CHAOS_SECRETS = {
  webhook: `whsec_${randomBytes(32).toString('base64')}`,
  clientSecret: `chaos-secret-${randomBytes(8).toString('hex')}`,
};

/** The Redis a world runs on: a restartable standalone one, a Sentinel set-up, a Cluster. */
export type ChaosRedis = {
  /** The REDIS_* variables of the replicas (REDIS_URL, or REDIS_SENTINELS + REDIS_SENTINEL_NAME, ...). */
  readonly env: Readonly<Record<string, string>>;
  /** The same for the producer and the queues the scenario reads. */
  readonly target: RedisTarget | string;
  stop(): Promise<void>;
};

export type WorldOptions = {
  env?: Record<string, string>;
  simulator?: SimulatorOptions;
  fsync?: 'always' | 'everysec';
};

/**
 * Everything a scenario breaks: a private Redis (restartable, AOF on, unless the scenario brings its
 * own: `ChaosWorld.on`), the simulator, an idempotent webhook receiver, a producer and worker replicas
 * in their own processes (the built worker).
 */
export class ChaosWorld<R extends ChaosRedis = RestartableRedis> {
  readonly workers: WorkerProcess[] = [];
  /** Output of every replica that ever ran, including killed ones (checked for secrets). */
  readonly workerLines: string[][] = [];
  readonly prefix: string;
  private constructor(
    readonly redis: R,
    readonly simulator: Simulator,
    readonly receiver: WebhookReceiver,
    readonly producer: RegionTaskProducer,
    readonly env: Record<string, string>,
    /** Every poll shard's queue (POLL_SHARDS of the world's env), in shard order. */
    readonly pollQueues: readonly Queue[],
    readonly resultsQueue: Queue,
    /** Every webhook shard's queue (one per poll shard), in shard order. */
    readonly webhookQueues: readonly Queue[],
    private readonly clients: RedisClient[],
  ) {
    this.prefix = env.REGIONWATCH_PREFIX ?? 'chaos';
  }

  /** The first poll shard's queue (the only one without POLL_SHARDS). */
  get pollQueue(): Queue {
    return this.pollQueues[0] as Queue;
  }

  /** The first webhook shard's queue (the only one without POLL_SHARDS). */
  get webhookQueue(): Queue {
    return this.webhookQueues[0] as Queue;
  }

  /** The webhook queue a task's (first) delivery is in. */
  webhookQueueOf(taskId: string): Queue {
    return this.webhookQueues[shardOfTask(taskId, this.webhookQueues.length)] as Queue;
  }

  static async create(options: WorldOptions = {}): Promise<ChaosWorld> {
    return ChaosWorld.on(await RestartableRedis.start(options.fsync ?? 'always'), options);
  }

  /** A world on a Redis the scenario started (stopped by `close()`); `options.fsync` does not apply. */
  static async on<R extends ChaosRedis>(redis: R, options: WorldOptions = {}): Promise<ChaosWorld<R>> {
    const simulator = await startSimulator({ clientSecret: CHAOS_SECRETS.clientSecret, seed: 11, ...options.simulator });
    const receiver = await new WebhookReceiver(CHAOS_SECRETS.webhook).start();
    const env: Record<string, string> = {
      ...redis.env,
      REGIONWATCH_PREFIX: 'chaos',
      ASPOSE_BASE_URL: simulator.url,
      ASPOSE_CLIENT_ID: simulator.credentials.clientId,
      ASPOSE_CLIENT_SECRET: CHAOS_SECRETS.clientSecret,
      ASPOSE_TIMEOUT_MS: '3000',
      POLL_INITIAL_DELAY_MS: '200',
      POLL_MAX_DELAY_MS: '1000',
      WORKER_CONCURRENCY: '50',
      WORKER_LOCK_DURATION_MS: '3000',
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET: CHAOS_SECRETS.webhook,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_TIMEOUT_MS: '1000',
      // The receiver is local and fast: the scenarios break replicas, Redis and Aspose, not the per-endpoint
      // cap (the default 20/s would make 10 000 deliveries take 500 s); webhook-breaker sets its own cap.
      WEBHOOK_ENDPOINT_MAX_RPS: '1000',
      // The older form of the retry schedule, unless the scenario gives the schedule (both is a config error):
      // 0.2 s doubling, 12 attempts, a span of about 7 minutes. With 8 (25 s) a busy machine's timeouts opened
      // the breaker and a delivery held that long dead-lettered, which is right for its schedule but not what
      // a scenario about crashes tests.
      ...(options.env?.WEBHOOK_RETRY_SCHEDULE === undefined ? { WEBHOOK_RETRY_BASE_MS: '200', WEBHOOK_MAX_ATTEMPTS: '12' } : {}),
      LOG_LEVEL: 'info',
      ...options.env,
    };
    // Errors while a scenario has Redis down are expected; the queues reconnect by themselves.
    const clients: RedisClient[] = [];
    const queue = (name: string, prefix = env.REGIONWATCH_PREFIX) => {
      const connection = createRedisConnection(redis.target, 'blocking').on('error', () => {});
      clients.push(connection);
      return new Queue(name, { connection, prefix }).on('error', () => {});
    };
    const shards = Number(env.POLL_SHARDS ?? '1');
    // The producer waits out Redis restarts like a long-lived upstream service would.
    const producer = new RegionTaskProducer({
      connection: redis.target,
      prefix: env.REGIONWATCH_PREFIX,
      shards,
      initialDelayMs: Number(env.POLL_INITIAL_DELAY_MS),
      onError: () => {},
    });
    const pollQueues = pollShards(env.REGIONWATCH_PREFIX ?? 'chaos', shards).map((shard) => queue(POLL_QUEUE, shard.prefix));
    // One webhook queue per shard beside its poll queue (one, `regions-webhooks`, without shards).
    const webhookQueues = pollShards(env.REGIONWATCH_PREFIX ?? 'chaos', shards).map((shard) => queue(WEBHOOK_QUEUE, shard.prefix));
    return new ChaosWorld(redis, simulator, receiver, producer, env, pollQueues, queue('regions-results'), webhookQueues, clients);
  }

  /** Starts a replica with the world's environment, `overrides` on top (e.g. refused credentials). */
  async startWorker(overrides: Record<string, string> = {}): Promise<WorkerProcess> {
    // A bound, not a speed target: beside a second `npm test` and CPU hogs a replica took over 30 s to be ready.
    const worker = await startWorkerProcess({ ...this.env, ...overrides }, { timeoutMs: 90_000 });
    this.workers.push(worker);
    this.workerLines.push(worker.lines);
    return worker;
  }

  /** The replicas still running. */
  live(): WorkerProcess[] {
    return this.workers.filter((w) => w.process.exitCode === null && w.process.signalCode === null);
  }

  /** SIGKILLs one live replica (the oldest) and returns it. */
  async kill(): Promise<WorkerProcess | undefined> {
    const victim = this.live()[0];
    if (!victim) return undefined;
    victim.process.kill('SIGKILL');
    await victim.exited;
    return victim;
  }

  /** SIGTERM to every live replica; the exit codes (0 = drained cleanly). */
  drain(): Promise<(number | string)[]> {
    return stopWorkerProcesses(this.live());
  }

  async close(): Promise<void> {
    for (const worker of this.live()) worker.process.kill('SIGKILL');
    await Promise.all(this.workers.map((w) => w.exited));
    await Promise.all([
      this.producer.close(),
      ...this.pollQueues.map((q) => q.close()),
      this.resultsQueue.close(),
      ...this.webhookQueues.map((q) => q.close()),
    ]);
    for (const client of this.clients) client.disconnect();
    await Promise.all([this.simulator.close(), this.receiver.close()]);
    await this.redis.stop();
  }
}
