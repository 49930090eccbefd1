import type { BenchContext } from '../context.js';
import { bareBullmq, bareHttp, bareStepHttp, type BareRun, type StepRun } from './baselines.js';
import { runWorkers, type WorkerRun } from './worker-run.js';

export type ThroughputRow = {
  concurrency: number;
  tasks: number;
  pollsPerTask: number;
  worker: WorkerRun;
  bareHttp: BareRun;
  bareBullmq: BareRun;
  /** Baseline (c): BullMQ step + one undici GET (absent in results from before it existed). */
  bareStep?: StepRun;
  ratio: number;
  /** Worker polls/s ÷ (c) polls/s. */
  stepRatio?: number;
};

/** 1. Poll throughput at each C, with both baselines measured in the same run. */
export async function measureThroughput(ctx: BenchContext): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  const k = ctx.sizes.pollsPerTask;
  for (const concurrency of ctx.sizes.concurrencies) {
    const tasks = concurrency === 1 ? ctx.sizes.throughputTasksAtC1 : ctx.sizes.throughputTasks;
    ctx.log(`  throughput C=${concurrency}: regionwatch worker, ${tasks} tasks × ${k} polls`);
    const worker = await runWorkers(ctx, { tasks, polls: k, concurrency });
    ctx.log(`  throughput C=${concurrency}: bare undici loop, bare BullMQ loop, BullMQ step + undici GET loop`);
    // Baseline (a) uses the worker's own HTTP client (undici), as the comparison must.
    const http = await bareHttp(ctx, 'undici', concurrency, Math.min(ctx.sizes.httpRequests, tasks * k));
    const bullmq = await bareBullmq(ctx, tasks, k, concurrency);
    await ctx.redis.flushall();
    const step = await bareStepHttp(ctx, tasks, k, concurrency);
    rows.push({
      concurrency,
      tasks,
      pollsPerTask: k,
      worker,
      bareHttp: http,
      bareBullmq: bullmq,
      bareStep: step,
      ratio: worker.pollsPerSecond / Math.min(http.perSecond, bullmq.perSecond),
      stepRatio: worker.pollsPerSecond / step.perSecond,
    });
  }
  return rows;
}
