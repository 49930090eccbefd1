import { execFileSync } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
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
 * Starts a worker replica in its own process with `env` (plus a free METRICS_PORT unless one other than 0
 * is given) and waits until its `/readyz` answers 200. A port found free can be taken by another process before
 * the worker binds it (test files run in parallel): when this function chose the port and the worker
 * exits with EADDRINUSE, it starts the worker again on another port (a few times at most).
 */
export async function startWorkerProcess(
  env: Record<string, string>,
  options: {
    entry?: string;
    nodeFlags?: string[];
    timeoutMs?: number;
    pickPort?: () => Promise<number>;
    /** The /readyz status that counts as started: 503 for a worker whose Redis is unreachable on purpose. */
    readyzStatus?: number;
  } = {},
): Promise<WorkerProcess> {
  const givenPort = env.METRICS_PORT && env.METRICS_PORT !== '0' ? Number(env.METRICS_PORT) : undefined;
  for (let attempt = 1; ; attempt += 1) {
    const healthPort = givenPort ?? (await (options.pickPort ?? freePort)());
    const child = spawnNode(options.entry ?? BUILT_WORKER, [], { ...env, METRICS_PORT: String(healthPort) }, options.nodeFlags);
    try {
      await untilReady(child, healthPort, options.timeoutMs ?? 30_000, options.readyzStatus ?? 200);
      return Object.assign(child, { healthPort });
    } catch (error) {
      if (!(error instanceof ExitedBeforeReady) || givenPort !== undefined || attempt >= MAX_PORT_ATTEMPTS || !lostPortRace(child))
        throw error;
    }
  }
}

const MAX_PORT_ATTEMPTS = 5;

class ExitedBeforeReady extends Error {}

async function untilReady(child: NodeChild, healthPort: number, timeoutMs: number, status: number): Promise<void> {
  await until(
    `worker /readyz answering ${status}`,
    async () => {
      if (child.process.exitCode !== null || child.process.signalCode !== null)
        throw new ExitedBeforeReady(`worker exited before it was ready:\n${child.lines.join('\n')}`);
      const response = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined);
      // Another process may hold the port this one lost: only this child's own listener counts.
      return response?.status === status && (await listensOn(child, healthPort));
    },
    timeoutMs,
  );
}

/** True when `child` holds a listening TCP socket on `port` (Linux /proc: the socket's inode is among its fds). */
async function listensOn(child: NodeChild, port: number): Promise<boolean> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const rows = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const row of rows) {
      const fields = row.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex, st 0A is LISTEN, field 9 the inode.
      if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A' && fields[9]) inodes.add(fields[9]);
    }
  }
  const fds = await readdir(`/proc/${child.process.pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    const target = await readlink(`/proc/${child.process.pid}/fd/${fd}`).catch(() => '');
    if (inodes.has(target.replace(/^socket:\[(\d+)\]$/, '$1'))) return true;
  }
  return false;
}

/** True when the worker's start-up failure was its health port being taken. */
function lostPortRace(child: NodeChild): boolean {
  return child.lines.some((line) => line.includes('EADDRINUSE'));
}

/** SIGTERM to each (a drain), then waits for every exit; returns the exit codes. */
export async function stopWorkerProcesses(workers: readonly NodeChild[]): Promise<(number | string)[]> {
  for (const worker of workers) if (worker.process.exitCode === null && worker.process.signalCode === null) worker.process.kill('SIGTERM');
  return Promise.all(workers.map((w) => w.exited));
}
