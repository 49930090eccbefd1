import type { BenchContext } from '../context.js';
import { runWorkers, type WorkerRun } from './worker-run.js';

export type ScaleOutRow = { workers: number; concurrency: number; run: WorkerRun };

/** 7. One worker process against two on the same Redis, same total work. */
export async function measureScaleOut(ctx: BenchContext, concurrency = 64): Promise<ScaleOutRow[]> {
  const rows: ScaleOutRow[] = [];
  for (const workers of [1, 2]) {
    ctx.log(`  scale-out: ${workers} worker process(es), C=${concurrency} each, ${ctx.sizes.scaleOutTasks} tasks`);
    rows.push({
      workers,
      concurrency,
      run: await runWorkers(ctx, { tasks: ctx.sizes.scaleOutTasks, polls: ctx.sizes.pollsPerTask, concurrency, workers }),
    });
  }
  return rows;
}
