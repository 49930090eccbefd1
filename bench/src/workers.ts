import { freePort } from '@regionwatch/testkit';
import { execFileSync } from 'node:child_process';
import { ROOT, spawnNode, until, type NodeChild } from './child-process.js';
import type { BenchContext } from './context.js';

/** The built worker, as production runs it (`buildWorker()` first): no TypeScript loader in the profile. */
const WORKER_ENTRY = 'apps/worker/dist/main.js';

/** Builds the worker and what it depends on (turbo skips what is up to date). */
export function buildWorker(): void {
  execFileSync('npx', ['turbo', 'run', 'build', '--filter=@regionwatch/worker...', '--output-logs=errors-only'], { cwd: ROOT, stdio: 'inherit' });
}

export type WorkerOptions = {
  prefix: string;
  concurrency: number;
  redisUrl?: string;
  env?: Record<string, string>;
  nodeFlags?: string[];
};

/** Starts a worker replica in its own process (exactly `npm run worker`) and waits for /readyz. */
export async function startWorkerProcess(ctx: BenchContext, options: WorkerOptions): Promise<NodeChild> {
  const port = await freePort();
  const child = spawnNode(
    WORKER_ENTRY,
    [],
    {
      REDIS_URL: options.redisUrl ?? ctx.redisUrl,
      REGIONWATCH_PREFIX: options.prefix,
      ASPOSE_BASE_URL: ctx.simulator.url,
      ASPOSE_CLIENT_ID: ctx.simulator.credentials.clientId,
      ASPOSE_CLIENT_SECRET: ctx.simulator.credentials.clientSecret,
      WORKER_CONCURRENCY: String(options.concurrency),
      POLL_INITIAL_DELAY_MS: '1',
      POLL_MAX_DELAY_MS: '1',
      METRICS_PORT: String(port),
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    options.nodeFlags,
  );
  await until(
    'worker /readyz',
    async () => {
      if (child.process.exitCode !== null) throw new Error(`worker exited:\n${child.lines.join('\n')}`);
      const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      return response?.status === 200;
    },
    30_000,
  );
  return child;
}

export async function stopWorkers(children: NodeChild[]): Promise<void> {
  for (const child of children) child.process.kill('SIGTERM');
  await Promise.all(children.map((c) => c.exited));
}
