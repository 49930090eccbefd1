import { createHash } from 'node:crypto';
import { RegionTaskProducer } from '@regionwatch/producer';
import { Queue } from 'bullmq';
import { until } from '../child-process.js';
import type { BenchContext } from '../context.js';
import { startWorkerProcess, stopWorkers } from '../workers.js';

export type WorkerRunOptions = {
  tasks: number;
  /** GETs each task needs: polls − 1 Pending, then Completed. */
  polls: number;
  concurrency: number;
  workers?: number;
  /** Worker connections go here instead (the Redis-cost proxy). */
  workerRedisUrl?: string;
  env?: Record<string, string>;
  nodeFlags?: string[];
  /** Tracked with each task (the producer's `metadata`). */
  metadata?: Record<string, string>;
  /** How often the finish line is checked (ms). */
  checkEveryMs?: number;
  /** Called once the workers are ready, just before the tasks are tracked. */
  beforeTrack?: () => Promise<void>;
  /** Called when every result is in, before the workers stop. */
  beforeStop?: (prefix: string) => Promise<void>;
};

export type WorkerRun = {
  prefix: string;
  tasks: number;
  polls: number;
  seconds: number;
  pollsPerSecond: number;
  tasksPerSecond: number;
  workerCpuSeconds: number;
  /** Worker CPU per poll, in ms. */
  cpuMsPerPoll: number;
};

/**
 * regionwatch itself: worker process(es) polling `tasks` scripted tasks of `polls` GETs each
 * through the simulator, from the first GET until every result is in the results queue.
 */
export async function runWorkers(ctx: BenchContext, options: WorkerRunOptions): Promise<WorkerRun> {
  const prefix = ctx.freshPrefix('run');
  await ctx.redis.flushall(); // earlier runs' jobs would only add memory and noise
  const run = createHash('sha256').update(prefix).digest('hex').slice(0, 8);
  const ids = Array.from({ length: options.tasks }, (_, i) =>
    ctx.simulator.createTask({
      // Shaped like Aspose's ids (UUIDs): key lengths, and so bytes per task, as in production.
      id: `${run}-0000-4000-8000-${String(i).padStart(12, '0')}`,
      notReadyPolls: options.polls - 1,
      outcome: { status: 'Completed', rectangles: [[[0, 8, 697, 441]]] },
    }),
  );
  const workers = await Promise.all(
    Array.from({ length: options.workers ?? 1 }, () =>
      startWorkerProcess(ctx, {
        prefix,
        concurrency: options.concurrency,
        ...(options.workerRedisUrl ? { redisUrl: options.workerRedisUrl } : {}),
        ...(options.env ? { env: options.env } : {}),
        ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}),
      }),
    ),
  );
  const results = new Queue(options.env?.RESULTS_QUEUE || 'regions-results', { connection: { url: ctx.redisUrl }, prefix });
  const pollQueue = new Queue('regions-poll', { connection: { url: ctx.redisUrl }, prefix });
  const producer = new RegionTaskProducer({ connection: ctx.redisUrl, prefix, initialDelayMs: 0 });
  try {
    const cpuBefore = workers.map((w) => w.cpuSeconds());
    ctx.simulator.resetCounters();
    await options.beforeTrack?.();
    await producer.trackMany(options.metadata ? ids.map((taskId) => ({ taskId, metadata: options.metadata })) : ids);
    // Without a results queue a finished task shows as its poll job gone: completed poll jobs are removed
    // at once (the task record stands for them).
    const unfinished = () => pollQueue.getJobCountByTypes('waiting', 'delayed', 'active', 'prioritized');
    const finished = options.env?.RESULTS_QUEUE === '' ? async () => options.tasks - (await unfinished()) : () => results.count();
    await until('every result', async () => (await finished()) >= options.tasks, 15 * 60_000, options.checkEveryMs ?? 50);
    const t1 = Date.now();
    const t0 = ctx.simulator.requestLog().find((entry) => entry.endpoint === 'get')?.at ?? t1;
    const workerCpuSeconds = workers.reduce((sum, w, i) => sum + w.cpuSeconds() - (cpuBefore[i] ?? 0), 0);
    const polls = ctx.simulator.counters().get;
    const seconds = (t1 - t0) / 1000;
    await options.beforeStop?.(prefix);
    return {
      prefix,
      tasks: options.tasks,
      polls,
      seconds,
      pollsPerSecond: polls / seconds,
      tasksPerSecond: options.tasks / seconds,
      workerCpuSeconds,
      cpuMsPerPoll: (workerCpuSeconds * 1000) / polls,
    };
  } finally {
    await stopWorkers(workers);
    await Promise.all([producer.close(), results.close(), pollQueue.close()]);
  }
}
