// Baseline: the worker's delayed-job pattern with no HTTP — k − 1 re-delays, then a result job.
import { DelayedError, Queue, Worker } from 'bullmq';
import { allCompleted, readBaselineArgs } from './baseline-child.js';

const args = readBaselineArgs();
const connection = { url: args.redisUrl };
const prefix = args.prefix ?? 'bare';
const { tasks, polls } = args;

const queue = new Queue('bare-poll', { connection, prefix });
const results = new Queue('bare-results', { connection, prefix });
for (let start = 0; start < tasks; start += 1_000) {
  const chunk = Array.from({ length: Math.min(1_000, tasks - start) }, (_, i) => {
    const taskId = `bare-${start + i}`;
    return {
      name: 'poll',
      data: { taskId, submittedAt: new Date().toISOString() },
      opts: { jobId: taskId, removeOnComplete: { age: 3600 } },
    };
  });
  await queue.addBulk(chunk);
}

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const worker = new Worker(
  'bare-poll',
  async (job, token) => {
    const n = ((job.data as { n?: number }).n ?? 0) + 1;
    if (n < polls) {
      await job.updateData({ ...(job.data as object), n });
      await job.moveToDelayed(Date.now() + 1, token);
      throw new DelayedError();
    }
    await results.add(
      'result',
      { taskId: job.id, polls: n },
      { jobId: String(job.id), deduplication: { id: String(job.id), ttl: 3_600_000 } },
    );
    return { polls: n };
  },
  { connection, prefix, concurrency: args.concurrency, maxStalledCount: 1_000 },
);
await allCompleted(worker, tasks);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
await worker.close();
await Promise.all([queue.close(), results.close()]);
console.log(JSON.stringify({ tasks, polls: tasks * polls, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
process.exit(0);
