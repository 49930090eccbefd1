import { RegionTaskProducer } from '@regionwatch/producer';
import { Queue } from 'bullmq';
import { until } from '../child-process.js';
import type { BenchContext } from '../context.js';
import { startWorkerProcess, stopWorkers } from '../workers.js';

export type LatencyFigures = {
  tasks: number;
  /** The default schedule (1 s initial, 30 s cap) divided by this. */
  scaleDown: number;
  initialDelayMs: number;
  maxDelayMs: number;
  windowMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanPollsPerTask: number;
  /** A perfect poller asks once, right after completion. */
  idealPollsPerTask: 1;
};

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

/**
 * 6. Detection latency: tasks complete at random times within a window; time from the simulator
 * marking a task terminal to its result job being in the results queue, with the default poll
 * schedule scaled down (so the run stays short).
 */
export async function measureLatency(ctx: BenchContext, scaleDown = 20): Promise<LatencyFigures> {
  const tasks = ctx.sizes.latencyTasks;
  const windowMs = ctx.sizes.latencyWindowMs;
  const initialDelayMs = Math.round(1_000 / scaleDown);
  const maxDelayMs = Math.round(30_000 / scaleDown);
  ctx.log(
    `  detection latency: ${tasks} tasks completing within ${windowMs} ms, ` +
      `schedule ÷${scaleDown} (${initialDelayMs} ms → ${maxDelayMs} ms)`,
  );
  const prefix = ctx.freshPrefix('lat');
  const worker = await startWorkerProcess(ctx, {
    prefix,
    concurrency: 64,
    env: { POLL_INITIAL_DELAY_MS: String(initialDelayMs), POLL_MAX_DELAY_MS: String(maxDelayMs) },
  });
  const producer = new RegionTaskProducer({ connection: ctx.redisUrl, prefix, initialDelayMs });
  const results = new Queue('regions-results', { connection: { url: ctx.redisUrl }, prefix });
  try {
    // A seeded spread of completion times, so runs compare.
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const ids = Array.from({ length: tasks }, (_, i) =>
      ctx.simulator.createTask({
        id: `${prefix}-${i}`,
        pendingMs: Math.round(random() * windowMs),
        processingMs: 0,
        outcome: { status: 'Completed', rectangles: [[[1, 2, 3, 4]]] },
      }),
    );
    await producer.trackMany(ids);
    await until('every result', async () => (await results.count()) >= tasks, windowMs + 120_000, 100);
    const latencies: number[] = [];
    let polls = 0;
    for (const id of ids) {
      const job = await results.getJob(id);
      const terminalAt = ctx.simulator.taskState(id)?.terminalAt;
      if (!job || terminalAt == null) throw new Error(`no result or terminal time for ${id}`);
      latencies.push(job.timestamp - terminalAt);
      polls += (job.data as { polls: number }).polls;
    }
    latencies.sort((a, b) => a - b);
    return {
      tasks,
      scaleDown,
      initialDelayMs,
      maxDelayMs,
      windowMs,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1) ?? Number.NaN,
      meanPollsPerTask: polls / tasks,
      idealPollsPerTask: 1,
    };
  } finally {
    await stopWorkers([worker]);
    await Promise.all([producer.close(), results.close()]);
  }
}
