// Baseline (c): BullMQ's documented step-job pattern with one GET per step through the HTTP client the
// worker uses (undici): GET, then `updateData` of a small step + `moveToDelayed` + `DelayedError`, k − 1
// times, then a result job. Prints one JSON line, with the Redis commands the loop itself caused.
import { DelayedError, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { allCompleted, readBaselineArgs } from './baseline-child.js';
import { commandCalls, diffCalls } from './redis-stats.js';

const args = readBaselineArgs();
const connection = { url: args.redisUrl };
const prefix = args.prefix ?? 'bare-step';
const { tasks, polls, concurrency } = args;
const target = new URL(args.url ?? '');
const path = target.pathname + target.search;
const headers = { authorization: `Bearer ${args.token ?? ''}`, accept: 'application/json' };
const pool = new Pool(target.origin, { connections: concurrency });

const stats = new Redis(args.redisUrl);
const queue = new Queue('bare-step', { connection, prefix });
const results = new Queue('bare-step-results', { connection, prefix });
await Promise.all([queue.waitUntilReady(), results.waitUntilReady()]);
// Counted from here, like the worker's figure: enqueueing and every step, not connecting.
const before = await commandCalls(stats);
for (let start = 0; start < tasks; start += 1_000) {
  const chunk = Array.from({ length: Math.min(1_000, tasks - start) }, (_, i) => {
    const taskId = `step-${start + i}`;
    return { name: 'poll', data: { taskId, submittedAt: new Date().toISOString() }, opts: { jobId: taskId, removeOnComplete: true } };
  });
  await queue.addBulk(chunk);
}

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const worker = new Worker(
  'bare-step',
  async (job, token) => {
    const answer = JSON.parse(await (await pool.request({ path, method: 'GET', headers })).body.text()) as { taskStatus?: string };
    const step = ((job.data as { step?: number }).step ?? 0) + 1;
    if (step < polls) {
      await job.updateData({ ...(job.data as object), step, status: answer.taskStatus });
      await job.moveToDelayed(Date.now() + 1, token);
      throw new DelayedError();
    }
    await results.add('result', { taskId: job.id, polls: step }, { jobId: String(job.id), removeOnComplete: { age: 3600 } });
    return { polls: step };
  },
  { connection, prefix, concurrency, maxStalledCount: 1_000 },
);
await allCompleted(worker, tasks);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const commands = diffCalls(before, await commandCalls(stats));
await worker.close();
await Promise.all([queue.close(), results.close(), pool.close()]);
stats.disconnect();
console.log(JSON.stringify({ tasks, polls: tasks * polls, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, commands }));
process.exit(0);
