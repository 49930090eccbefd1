import { randomBytes } from 'node:crypto';
import { POLL_QUEUE, WEBHOOK_QUEUE } from '@regionwatch/core';
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

export type WorldOptions = {
  env?: Record<string, string>;
  simulator?: SimulatorOptions;
  fsync?: 'always' | 'everysec';
};

/**
 * Everything a scenario breaks: a private Redis (restartable, AOF on), the simulator, an idempotent
 * webhook receiver, a producer and worker replicas in their own processes (the built worker).
 */
export class ChaosWorld {
  readonly workers: WorkerProcess[] = [];
  /** Output of every replica that ever ran, including killed ones (checked for secrets). */
  readonly workerLines: string[][] = [];
  readonly prefix = 'chaos';
  private constructor(
    readonly redis: RestartableRedis,
    readonly simulator: Simulator,
    readonly receiver: WebhookReceiver,
    readonly producer: RegionTaskProducer,
    readonly env: Record<string, string>,
    readonly pollQueue: Queue,
    readonly resultsQueue: Queue,
    readonly webhookQueue: Queue,
  ) {}

  static async create(options: WorldOptions = {}): Promise<ChaosWorld> {
    const redis = await RestartableRedis.start(options.fsync ?? 'always');
    const simulator = await startSimulator({ clientSecret: CHAOS_SECRETS.clientSecret, seed: 11, ...options.simulator });
    const receiver = await new WebhookReceiver(CHAOS_SECRETS.webhook).start();
    const env: Record<string, string> = {
      REDIS_URL: redis.url,
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
      // The older form of the retry schedule, unless the scenario gives the schedule (both is a config error).
      ...(options.env?.WEBHOOK_RETRY_SCHEDULE === undefined ? { WEBHOOK_RETRY_BASE_MS: '200' } : {}),
      LOG_LEVEL: 'info',
      ...options.env,
    };
    const connection = { url: redis.url };
    // Errors while a scenario has Redis down are expected; the queues reconnect by themselves.
    const queue = (name: string) => new Queue(name, { connection, prefix: env.REGIONWATCH_PREFIX }).on('error', () => {});
    // The producer waits out Redis restarts like a long-lived upstream service would.
    const producer = new RegionTaskProducer({
      connection: redis.url,
      prefix: env.REGIONWATCH_PREFIX,
      initialDelayMs: Number(env.POLL_INITIAL_DELAY_MS),
      onError: () => {},
    });
    return new ChaosWorld(redis, simulator, receiver, producer, env, queue(POLL_QUEUE), queue('regions-results'), queue(WEBHOOK_QUEUE));
  }

  async startWorker(): Promise<WorkerProcess> {
    const worker = await startWorkerProcess(this.env);
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
    await Promise.all([this.producer.close(), this.pollQueue.close(), this.resultsQueue.close(), this.webhookQueue.close()]);
    await Promise.all([this.simulator.close(), this.receiver.close()]);
    await this.redis.stop();
  }
}
