import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { REPO_ROOT, spawnNode, until, type NodeChild } from './node-process.js';

/** The built worker, as production runs it (call `buildWorker()` first). */
export const BUILT_WORKER = 'apps/worker/dist/main.js';
/** The worker's sources through tsx, exactly `npm run worker`. */
export const SOURCE_WORKER = 'apps/worker/src/main.ts';

/** Builds the worker and what it depends on (turbo skips what is up to date). */
export function buildWorker(): void {
  buildWorkspaces(['@regionwatch/worker']);
}

/**
 * Builds `workspaces` and what they depend on. Turbo skips what is up to date and, when its cache has an
 * output already on disk, leaves dist/ untouched, so a child already running a built file is safe. The
 * local binary, not `npx` (two seconds of npm start-up per call, and test files call this often).
 */
export function buildWorkspaces(workspaces: readonly string[]): void {
  const filters = workspaces.map((name) => `--filter=${name}...`);
  execFileSync(join(REPO_ROOT, 'node_modules/.bin/turbo'), ['run', 'build', ...filters, '--output-logs=errors-only'], {
    cwd: REPO_ROOT,
    stdio: 'pipe',
  });
}

export type WorkerProcess = NodeChild & { healthPort: number };

/**
 * Starts a worker replica in its own process with `env` (plus a free METRICS_PORT unless given)
 * and waits until its `/readyz` answers 200.
 */
export async function startWorkerProcess(
  env: Record<string, string>,
  options: { entry?: string; nodeFlags?: string[]; timeoutMs?: number } = {},
): Promise<WorkerProcess> {
  const healthPort = env.METRICS_PORT ? Number(env.METRICS_PORT) : await freePort();
  const child = spawnNode(options.entry ?? BUILT_WORKER, [], { ...env, METRICS_PORT: String(healthPort) }, options.nodeFlags);
  await until(
    'worker /readyz',
    async () => {
      if (child.process.exitCode !== null || child.process.signalCode !== null)
        throw new Error(`worker exited before it was ready:\n${child.lines.join('\n')}`);
      const response = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined);
      return response?.status === 200;
    },
    options.timeoutMs ?? 30_000,
  );
  return Object.assign(child, { healthPort });
}

/** SIGTERM to each (a drain), then waits for every exit; returns the exit codes. */
export async function stopWorkerProcesses(workers: readonly NodeChild[]): Promise<(number | string)[]> {
  for (const worker of workers) if (worker.process.exitCode === null && worker.process.signalCode === null) worker.process.kill('SIGTERM');
  return Promise.all(workers.map((w) => w.exited));
}
