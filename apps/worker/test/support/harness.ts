import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import {
  createLogger,
  loadWorkerConfig,
  POLL_QUEUE,
  pollShards,
  WEBHOOK_QUEUE,
  type RegionResult,
  type WorkerConfig,
} from '@regionwatch/core';
import { RegionTaskProducer } from '@regionwatch/producer';
import { startSimulator, type Simulator, type SimulatorOptions } from '@regionwatch/simulator';
import type { TestRedis } from '@regionwatch/testkit/vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startWorker, type RunningWorker } from '../../src/index.js';
import { waitFor as waitForValue, WebhookReceiver } from '@regionwatch/testkit';

export const WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

/** Log lines captured per harness, so tests can assert on them (and on what they never contain). */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }
}

export type Harness = {
  config: WorkerConfig;
  env: Record<string, string>;
  simulator: Simulator;
  receiver: WebhookReceiver;
  producer: RegionTaskProducer;
  /** The first poll shard's queue (the only one without POLL_SHARDS). */
  pollQueue: Queue;
  /** Every poll shard's queue, in shard order (POLL_SHARDS of the harness's env). */
  pollQueues: Queue[];
  resultsQueue: Queue;
  /** The first webhook shard's queue (the only one without POLL_SHARDS). */
  webhookQueue: Queue;
  /** Every webhook shard's queue, in shard order. */
  webhookQueues: Queue[];
  /** A plain connection to the run's Redis (closed by `close()`). */
  connection: Redis;
  logs: LogCapture;
  startWorker(overrides?: Record<string, string>): Promise<RunningWorker>;
  /** Waits (bounded) until the results queue holds the task's result. */
  result(taskId: string, timeoutMs?: number): Promise<RegionResult>;
  waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
};

/**
 * Simulator + real Redis (the fixture's prefix: `fileRedis` for a file-wide harness, `redis` for one
 * test) + webhook receiver + producer, with short delays, and workers started on demand. Everything
 * is closed by `close()`.
 */
export async function createHarness(
  { url, prefix }: TestRedis,
  options: { env?: Record<string, string>; simulator?: SimulatorOptions } = {},
): Promise<Harness> {
  const simulator = await startSimulator({ pendingMs: 30, processingMs: 30, ...options.simulator });
  const receiver = await new WebhookReceiver(WEBHOOK_SECRET).start();
  const env: Record<string, string> = {
    REDIS_URL: url,
    REGIONWATCH_PREFIX: prefix,
    ASPOSE_BASE_URL: simulator.url,
    ASPOSE_CLIENT_ID: simulator.credentials.clientId,
    ASPOSE_CLIENT_SECRET: simulator.credentials.clientSecret,
    ASPOSE_TIMEOUT_MS: '2000',
    POLL_INITIAL_DELAY_MS: '20',
    POLL_MAX_DELAY_MS: '80',
    WORKER_CONCURRENCY: '20',
    WEBHOOK_SECRET,
    WEBHOOK_RETRY_SCHEDULE: '50ms,100ms,200ms,400ms,800ms',
    // Tests send bursts to one receiver; the per-endpoint cap has tests of its own.
    WEBHOOK_ENDPOINT_MAX_RPS: '1000',
    WEBHOOK_TIMEOUT_MS: '1000',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    METRICS_PORT: '0',
    LOG_LEVEL: 'debug',
    ...options.env,
  };
  const config = loadWorkerConfig(env);
  const logs = new LogCapture();
  const producer = new RegionTaskProducer({
    connection: url,
    prefix,
    shards: config.POLL_SHARDS,
    initialDelayMs: config.POLL_INITIAL_DELAY_MS,
  });
  const queue = (name: string, queuePrefix = prefix) => new Queue(name, { connection: { url }, prefix: queuePrefix });
  const pollQueues = pollShards(prefix, config.POLL_SHARDS).map((shard) => queue(POLL_QUEUE, shard.prefix));
  const pollQueue = pollQueues[0] as Queue;
  const resultsQueue = queue(config.RESULTS_QUEUE || 'regions-results');
  // One webhook queue per poll shard (POLL_SHARDS > 1), `regions-webhooks` under the prefix without shards.
  const webhookQueues = pollShards(prefix, config.POLL_SHARDS).map((shard) => queue(WEBHOOK_QUEUE, shard.prefix));
  const webhookQueue = webhookQueues[0] as Queue;
  const workers: RunningWorker[] = [];
  const connection = new Redis(url, { maxRetriesPerRequest: null });

  const waitFor = <T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> =>
    waitForValue(what, check, timeoutMs, 20);

  return {
    config,
    env,
    simulator,
    receiver,
    producer,
    pollQueue,
    pollQueues,
    resultsQueue,
    webhookQueue,
    webhookQueues,
    connection,
    logs,
    waitFor,
    async startWorker(overrides = {}) {
      const workerConfig = loadWorkerConfig({ ...env, ...overrides });
      const logger = createLogger({ level: workerConfig.LOG_LEVEL, destination: logs });
      const worker = await startWorker({ config: workerConfig, logger, defaultMetrics: false, resultsBacklogCheckMs: 200 });
      workers.push(worker);
      return worker;
    },
    result: (taskId, timeoutMs) =>
      waitFor(`the result of ${taskId}`, async () => (await resultsQueue.getJob(taskId))?.data as RegionResult | undefined, timeoutMs),
    async close() {
      await Promise.all(workers.map((w) => w.close(5_000)));
      await Promise.all([
        producer.close(),
        ...pollQueues.map((q) => q.close()),
        resultsQueue.close(),
        ...webhookQueues.map((q) => q.close()),
      ]);
      await Promise.all([simulator.close(), receiver.close()]);
      connection.disconnect();
    },
  };
}
