import type { BenchContext } from '../context.js';
import { bareBullmq, bareHttp, type BareRun } from './baselines.js';
import { runWorkers, type WorkerRun } from './worker-run.js';

export type ThroughputRow = {
  concurrency: number;
  tasks: number;
  pollsPerTask: number;
  worker: WorkerRun;
  bareHttp: BareRun;
  bareBullmq: BareRun;
  ratio: number;
};

/** 1. Poll throughput at each C, with both baselines measured in the same run. */
export async function measureThroughput(ctx: BenchContext): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  const k = ctx.sizes.pollsPerTask;
  for (const concurrency of ctx.sizes.concurrencies) {
    const tasks = concurrency === 1 ? ctx.sizes.throughputTasksAtC1 : ctx.sizes.throughputTasks;
    ctx.log(`  throughput C=${concurrency}: regionwatch worker, ${tasks} tasks × ${k} polls`);
    const worker = await runWorkers(ctx, { tasks, polls: k, concurrency });
    ctx.log(`  throughput C=${concurrency}: bare undici loop, bare BullMQ loop`);
    // Baseline (a) uses the worker's own HTTP client (undici), as the comparison must.
    const http = await bareHttp(ctx, 'undici', concurrency, Math.min(ctx.sizes.httpRequests, tasks * k));
    const bullmq = await bareBullmq(ctx, tasks, k, concurrency);
    rows.push({
      concurrency,
      tasks,
      pollsPerTask: k,
      worker,
      bareHttp: http,
      bareBullmq: bullmq,
      ratio: worker.pollsPerSecond / Math.min(http.perSecond, bullmq.perSecond),
    });
  }
  return rows;
}
