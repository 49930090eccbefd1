import { randomBytes } from 'node:crypto';
import {
  createLogger,
  createRedisConnection,
  describeRedisTarget,
  loadDemoConfig,
  loadTrackConfig,
  redactUrl,
  redisTargetFrom,
  waitForRedis,
  type RedisTarget,
  regionResultSchema,
  type DemoConfig,
  type RegionResult,
} from '@regionwatch/core';
import { startDashboard, type RunningDashboard } from '@regionwatch/dashboard';
import { firstPollSettingsOf, RegionTaskProducer } from '@regionwatch/producer';
import { startSimulator, type Simulator } from '@regionwatch/simulator';
import { provideRedis, type ProvidedRedis } from '@regionwatch/testkit';
import { purgePrefix, startWorker, type RunningWorker } from '@regionwatch/worker';
import { Worker } from 'bullmq';
import { startDemoReceiver } from './demo-receiver.js';
import { formatResult, formatSummary } from './format.js';
import { sampleImages, scriptSampleTasks, type SampleTask } from './sample-tasks.js';

/** The dashboard on DASHBOARD_PORT if set, else 3000, else any free port (a busy 3000 must not stop the demo). */
async function startDemoDashboard(config: DemoConfig, env: NodeJS.ProcessEnv): Promise<RunningDashboard> {
  const logger = createLogger({ level: 'error', name: 'regionwatch-dashboard' });
  try {
    return await startDashboard({ config, logger });
  } catch (error) {
    if (env.DASHBOARD_PORT || (error as { code?: string }).code !== 'EADDRINUSE') throw error;
    return startDashboard({ config, logger, port: 0 });
  }
}

export type DemoOptions = {
  env: NodeJS.ProcessEnv;
  print: (line: string) => void;
};

export type RunningDemo = {
  /** Resolves with every result once each tracked task has one and its webhook arrived. */
  finished: Promise<RegionResult[]>;
  stop(): Promise<void>;
};

/** What the demo starts, stopped in reverse order. */
type Stoppable = { name: string; stop(): Promise<unknown> };

/**
 * regionwatch end to end on one machine: a Redis (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES,
 * else a spawned redis-server, else testcontainers), the Aspose simulator (unless ASPOSE_CLIENT_ID is set: then the real API), a
 * worker, a webhook receiver that verifies signatures, and sample tasks of every outcome.
 */
export async function runDemo({ env, print }: DemoOptions): Promise<RunningDemo> {
  const started: Stoppable[] = [];
  const stop = async () => {
    for (const s of started.reverse()) await s.stop();
  };
  try {
    // A Sentinel or Cluster named in the environment is used as it is; else REDIS_URL or a Redis of our own.
    const mode = env.REDIS_SENTINELS ? 'REDIS_SENTINELS' : env.REDIS_CLUSTER_NODES ? 'REDIS_CLUSTER_NODES' : undefined;
    // A prefix of its own, whatever REGIONWATCH_PREFIX says: a Redis named in the environment may hold a
    // real deployment, whose jobs the demo's worker must never take (it would poll them against the
    // simulator). Everything the demo writes is under this prefix and removed when it stops. (On a
    // Cluster the prefix is a hash tag, as every regionwatch prefix there must be.)
    const ownPrefix = `regionwatch-demo-${randomBytes(4).toString('hex')}`;
    const prefix = mode === 'REDIS_CLUSTER_NODES' ? `{${ownPrefix}}` : ownPrefix;
    const sharedNotice = `Prefix       ${prefix}  (the demo's own queues; jobs under any other prefix are never touched; removed on exit)`;
    let redis: ProvidedRedis | undefined;
    if (mode) {
      const target = redisTargetFrom(loadTrackConfig(env));
      print(`Redis        ${describeRedisTarget(target)}  (from ${mode})`);
      started.push({ name: 'demo keys', stop: () => removeDemoKeys(target, prefix) });
      print(sharedNotice);
    } else {
      // In a process group of its own: Ctrl-C must not stop Redis before the worker below has handed its jobs back.
      const provided = await provideRedis({ env, prefer: 'redis-server', ownProcessGroup: true });
      redis = provided;
      started.push({ name: 'redis', stop: () => provided.stop() });
      const source = provided.source === 'REDIS_URL' ? 'from REDIS_URL' : `started with ${provided.source}`;
      print(`Redis        ${redactUrl(provided.url)}  (${source})`);
      if (provided.source === 'REDIS_URL') {
        started.push({ name: 'demo keys', stop: () => removeDemoKeys(provided.url, prefix) });
        print(sharedNotice);
      }
    }

    let simulator: Simulator | undefined;
    const asposeEnv: Record<string, string> = {};
    if (!env.ASPOSE_CLIENT_ID) {
      simulator = await startSimulator({ pendingMs: 800, processingMs: 1_200, seed: 2026 });
      const sim = simulator;
      started.push({ name: 'simulator', stop: () => sim.close() });
      Object.assign(asposeEnv, {
        ASPOSE_BASE_URL: sim.url,
        ASPOSE_TOKEN_URL: sim.tokenUrl,
        ASPOSE_CLIENT_ID: sim.credentials.clientId,
        ASPOSE_CLIENT_SECRET: sim.credentials.clientSecret,
      });
      print(`Aspose       simulator at ${sim.url}  (set ASPOSE_CLIENT_ID and ASPOSE_CLIENT_SECRET to use the real API)`);
    } else {
      print(`Aspose       ${redactUrl(env.ASPOSE_BASE_URL ?? 'https://api.aspose.cloud')}  (real API, credentials from the environment)`);
    }

    const secret = env.WEBHOOK_SECRET || `whsec_${randomBytes(32).toString('base64')}`;
    const received = { verified: 0, duplicates: 0, rejected: 0 };
    const webhookIds = new Set<string>();
    let onProgress = () => {};
    const receiver = await startDemoReceiver(secret, (webhook) => {
      if (!webhook.verified) received.rejected += 1;
      else if (webhook.duplicate) received.duplicates += 1;
      else {
        received.verified += 1;
        webhookIds.add(webhook.id);
      }
      onProgress();
    });
    started.push({ name: 'webhook receiver', stop: () => receiver.close() });
    print(`Webhooks     ${receiver.url}  (verifies every signature with standardwebhooks)`);

    const config = loadDemoConfig({
      POLL_INITIAL_DELAY_MS: '500',
      POLL_MAX_DELAY_MS: '4000',
      METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
      ...env,
      ...asposeEnv,
      ...(redis ? { REDIS_URL: redis.url } : {}),
      REGIONWATCH_PREFIX: prefix,
      RESULTS_QUEUE: 'regions-results',
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET: secret,
      WEBHOOK_ALLOW_PRIVATE: 'true',
    });
    const worker: RunningWorker = await startWorker({
      config,
      logger: createLogger({ level: config.LOG_LEVEL, name: 'regionwatch-worker' }),
    });
    started.push({ name: 'worker', stop: () => worker.close(5_000) });
    print(`Worker       concurrency ${config.WORKER_CONCURRENCY}; health and metrics at http://127.0.0.1:${worker.healthPort}/metrics`);

    const dashboard = await startDemoDashboard(config, env);
    started.push({ name: 'dashboard', stop: () => dashboard.close() });
    const auth = config.DASHBOARD_USER ? `basic auth as ${config.DASHBOARD_USER}` : 'no auth, so loopback only';
    print(`Dashboard    ${dashboard.url}/queues  (${auth}; look up a task at ${dashboard.url}/tasks)`);
    print('');

    const redisTarget = redisTargetFrom(config);
    const producer = new RegionTaskProducer({
      connection: redisTarget,
      prefix: config.REGIONWATCH_PREFIX,
      shards: config.POLL_SHARDS,
      polling: firstPollSettingsOf(config), // the worker's: the producer places learned first polls as it plans them
      aspose: worker.aspose,
    });
    started.push({ name: 'producer', stop: () => producer.close() });

    // A consumer of the results queue, as an upstream service would run it.
    const labels = new Map<string, string>();
    const results = new Map<string, RegionResult>();
    const consumerConnection = createRedisConnection(redisTarget, 'blocking');
    started.push({ name: 'results consumer connection', stop: async () => consumerConnection.disconnect() });
    const consumer = new Worker(
      config.RESULTS_QUEUE,
      async (job) => {
        const result = regionResultSchema.parse(job.data);
        results.set(result.taskId, result);
        for (const line of formatResult(result, labels.get(result.taskId) ?? '')) print(line);
        onProgress();
      },
      { connection: consumerConnection, prefix: config.REGIONWATCH_PREFIX },
    );
    started.push({ name: 'results consumer', stop: () => consumer.close() });

    const tasks: SampleTask[] = simulator
      ? scriptSampleTasks(simulator)
      : [{ taskId: '00000000-0000-4000-8000-000000000000', label: 'an id Aspose does not know' }];
    for (const task of tasks) labels.set(task.taskId, task.label);
    const tracked = await producer.trackMany(tasks.map((t) => ({ taskId: t.taskId, ...t.options })));
    for (const { label, image } of sampleImages()) {
      const { taskId } = await producer.submit(image);
      labels.set(taskId, label);
      tracked.push({ ok: true, taskId, created: true });
    }
    print(`Tracking ${tracked.length} tasks; each result prints as it arrives:`);
    print('');

    const finished = new Promise<RegionResult[]>((resolve) => {
      onProgress = () => {
        if (results.size === labels.size && webhookIds.size === labels.size) {
          print('');
          print(formatSummary([...results.values()], received));
          resolve([...results.values()]);
        }
      };
    });
    return { finished, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Removes every key the demo wrote to a Redis it was given (its prefix only; see `npm run purge`). */
async function removeDemoKeys(target: RedisTarget | string, prefix: string): Promise<void> {
  const connection = createRedisConnection(target, 'fail-fast');
  connection.on('error', () => {}); // a failure shows as the purge's own rejection
  try {
    await waitForRedis(connection);
    await purgePrefix(connection, prefix, { remove: true, force: true });
  } finally {
    connection.disconnect();
  }
}
