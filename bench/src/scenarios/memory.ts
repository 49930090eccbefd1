import { RegionTaskProducer } from '@regionwatch/producer';
import type { BenchContext } from '../context.js';
import { usedMemory } from '../redis-stats.js';
import { runWorkers } from './worker-run.js';

export type MemoryFigures = {
  pendingTasks: number;
  bytesPerPendingTask: number;
  finishedTasks: number;
  /** The task record (poll jobs are removed when they complete) + the result job in the results queue. */
  bytesPerFinishedTask: number;
  /** RESULTS_QUEUE='': only the task record stays. */
  bytesPerFinishedTaskWithoutResultsQueue: number;
};

const uuid = (prefix: string, i: number) => `${prefix}-0000-4000-8000-${String(i).padStart(12, '0')}`;

/** 4. Redis `used_memory` per tracked (pending) task and per finished task retained. */
export async function measureMemory(ctx: BenchContext): Promise<MemoryFigures> {
  const pendingTasks = ctx.sizes.memoryPendingTasks;
  ctx.log(`  memory: ${pendingTasks} pending tasks`);
  await ctx.redis.flushall();
  const prefix = ctx.freshPrefix('mem');
  const producer = new RegionTaskProducer({ connection: ctx.redisUrl, prefix, initialDelayMs: 3_600_000 });
  const m0 = await usedMemory(ctx.redis);
  await producer.trackMany(
    Array.from({ length: pendingTasks }, (_, i) => ({ taskId: uuid('a1b2c3d4', i), metadata: { documentId: String(i) } })),
  );
  const m1 = await usedMemory(ctx.redis);
  await producer.close();

  const finishedTasks = ctx.sizes.memoryFinishedTasks;
  const finished = async (env: Record<string, string>) => {
    await ctx.redis.flushall();
    const before = await usedMemory(ctx.redis);
    let after = before;
    await runWorkers(ctx, {
      tasks: finishedTasks,
      polls: 1,
      concurrency: 64,
      env,
      beforeStop: async () => void (after = await usedMemory(ctx.redis)),
    });
    return (after - before) / finishedTasks;
  };
  ctx.log(`  memory: ${finishedTasks} finished tasks, results queue on`);
  const withResults = await finished({});
  ctx.log(`  memory: ${finishedTasks} finished tasks, results queue off`);
  const withoutResults = await finished({ RESULTS_QUEUE: '' });
  await ctx.redis.flushall();
  return {
    pendingTasks,
    bytesPerPendingTask: (m1 - m0) / pendingTasks,
    finishedTasks,
    bytesPerFinishedTask: withResults,
    bytesPerFinishedTaskWithoutResultsQueue: withoutResults,
  };
}
