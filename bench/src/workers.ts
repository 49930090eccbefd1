import { startWorkerProcess as startProcess, stopWorkerProcesses, type NodeChild } from '@regionwatch/testkit';
import type { BenchContext } from './context.js';

export { buildWorker } from '@regionwatch/testkit';

export type WorkerOptions = {
  prefix: string;
  concurrency: number;
  redisUrl?: string;
  env?: Record<string, string>;
  nodeFlags?: string[];
};

/** A built worker replica in its own process (as production runs it), polling the bench's simulator. */
export function startWorkerProcess(ctx: BenchContext, options: WorkerOptions): Promise<NodeChild> {
  return startProcess(
    {
      REDIS_URL: options.redisUrl ?? ctx.redisUrl,
      REGIONWATCH_PREFIX: options.prefix,
      ASPOSE_BASE_URL: ctx.simulator.url,
      ASPOSE_CLIENT_ID: ctx.simulator.credentials.clientId,
      ASPOSE_CLIENT_SECRET: ctx.simulator.credentials.clientSecret,
      WORKER_CONCURRENCY: String(options.concurrency),
      POLL_INITIAL_DELAY_MS: '1',
      POLL_MAX_DELAY_MS: '1',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    options.nodeFlags ? { nodeFlags: options.nodeFlags } : {},
  );
}

export async function stopWorkers(children: NodeChild[]): Promise<void> {
  await stopWorkerProcesses(children);
}
