import { randomBytes } from 'node:crypto';
import {
  createLogger,
  loadDashboardConfig,
  loadWorkerConfig,
  POLL_QUEUE,
  TaskRecordStore,
  WEBHOOK_QUEUE,
  type DashboardConfig,
} from '@regionwatch/core';
import { RegionTaskProducer, type TrackOptions } from '@regionwatch/producer';
import { startSimulator, type Simulator, type TaskScript } from '@regionwatch/simulator';
import { waitFor as waitForValue } from '@regionwatch/testkit';
import { testRedis } from '@regionwatch/testkit/vitest';
import { startWorker, type RunningWorker } from '@regionwatch/worker';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { WebhookSink } from './webhook-sink.js';

/**
 * A real pipeline for the dashboard to look at: Redis (unique prefix), the Aspose simulator, an
 * in-process worker, a producer and a webhook sink. Tasks tracked here are polled for real.
 */
export type World = {
  url: string;
  prefix: string;
  simulator: Simulator;
  worker: RunningWorker;
  producer: RegionTaskProducer;
  sink: WebhookSink;
  /** Config for a dashboard over this world's queues, with `env` on top. */
  dashboardConfig(env?: Record<string, string>): DashboardConfig;
  /** Creates a simulator task, tracks it, and waits (bounded) until its result and delivery are settled. */
  trackFinished(script: TaskScript, options?: TrackOptions): Promise<string>;
  /** Creates and tracks a task without waiting. */
  track(script: TaskScript, options?: TrackOptions): Promise<string>;
  waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
};

export const WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

export async function startWorld(label: string): Promise<World> {
  const { url, prefix } = testRedis(label);
  const simulator = await startSimulator({ pendingMs: 50, processingMs: 50 });
  const sink = await new WebhookSink().start();
  const base = { REDIS_URL: url, REGIONWATCH_PREFIX: prefix, LOG_LEVEL: 'silent' };
  const config = loadWorkerConfig({
    ...base,
    ASPOSE_BASE_URL: simulator.url,
    ASPOSE_CLIENT_ID: simulator.credentials.clientId,
    ASPOSE_CLIENT_SECRET: simulator.credentials.clientSecret,
    POLL_INITIAL_DELAY_MS: '20',
    POLL_MAX_DELAY_MS: '80',
    METRICS_PORT: '0',
    WEBHOOK_SECRET,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_MAX_ATTEMPTS: '2',
    WEBHOOK_RETRY_BASE_MS: '20',
    WEBHOOK_TIMEOUT_MS: '2000',
  });
  const worker = await startWorker({ config, logger: createLogger({ level: 'silent' }), defaultMetrics: false });
  const producer = new RegionTaskProducer({ connection: url, prefix, initialDelayMs: 20 });
  const pollQueue = new Queue(POLL_QUEUE, { connection: { url }, prefix });
  const webhookQueue = new Queue(WEBHOOK_QUEUE, { connection: { url }, prefix });
  const redis = new Redis(url);
  const records = new TaskRecordStore(redis, prefix);

  const waitFor = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> =>
    waitForValue(what, check, timeoutMs);
  const track = async (script: TaskScript, options: TrackOptions = {}) => {
    const taskId = simulator.createTask(script);
    await producer.track(taskId, options);
    return taskId;
  };
  const trackFinished = async (script: TaskScript, options: TrackOptions = {}) => {
    const taskId = await track(script, options);
    // Decided (its task record written) and handed on (the poll job completed, and removed with it).
    await waitFor(`the result of ${taskId}`, async () =>
      (await records.read(taskId)) && !(await pollQueue.getJob(taskId)) ? true : undefined,
    );
    if (options.webhookUrl !== undefined) {
      await waitFor(`the delivery of ${taskId} to settle`, async () => {
        const state = await (await webhookQueue.getJob(taskId))?.getState();
        return state === 'completed' || state === 'failed' ? true : undefined;
      });
    }
    return taskId;
  };

  return {
    url,
    prefix,
    simulator,
    worker,
    producer,
    sink,
    dashboardConfig: (env = {}) => loadDashboardConfig({ ...base, DASHBOARD_PORT: '0', ...env }),
    track,
    trackFinished,
    waitFor,
    close: async () => {
      await worker.close(5_000);
      await producer.close();
      redis.disconnect();
      await Promise.all([pollQueue.close(), webhookQueue.close()]);
      await Promise.all([simulator.close(), sink.close()]);
    },
  };
}
