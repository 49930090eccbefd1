import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegionwatchError } from '@regionwatch/core';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

/** A Redis the tests (or the demo) can use, and how to give it back. */
export type ProvidedRedis = {
  url: string;
  /** Where it came from, for log lines: `REDIS_URL`, `testcontainers` or `redis-server`. */
  source: 'REDIS_URL' | 'testcontainers' | 'redis-server';
  stop(): Promise<void>;
};

/** No Redis to run tests or the demo on; the message lists the three ways to get one and why each failed. */
export class NoRedisAvailableError extends RegionwatchError {
  readonly code = 'NO_REDIS_AVAILABLE';
  constructor(reasons: string[]) {
    super(
      'No Redis available. Use one of:\n' +
        '  1. set REDIS_URL to a Redis or Valkey 6.2+ (e.g. REDIS_URL=redis://127.0.0.1:6379)\n' +
        '  2. start a Docker engine (testcontainers runs redis:7-alpine)\n' +
        '  3. install redis-server on PATH (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis)\n' +
        `Tried: ${reasons.join('; ')}`,
    );
  }
}

export type ProvideRedisOptions = {
  env?: NodeJS.ProcessEnv;
  /**
   * Which fallback to try first when REDIS_URL is unset. Tests prefer testcontainers (an isolated
   * container); the demo prefers a local `redis-server` (starts in milliseconds). Default: testcontainers.
   */
  prefer?: 'testcontainers' | 'redis-server';
  /** Extra `redis-server` arguments, e.g. `['--appendonly', 'yes']`. Only for a spawned server. */
  serverArgs?: string[];
  /**
   * Start a spawned `redis-server` in a process group of its own (the demo): a Ctrl-C in the terminal signals the
   * whole foreground group, and Redis would stop at once, before the caller's own shutdown (the worker handing its
   * jobs back) has used it. The caller stops it; it is killed when this process exits.
   */
  ownProcessGroup?: boolean;
};

/**
 * REDIS_URL if set; else a testcontainers Redis when a Docker engine answers, or a `redis-server`
 * spawned on a free port in a temp dir (order per `prefer`); else one error naming all three.
 */
export async function provideRedis(options: ProvideRedisOptions = {}): Promise<ProvidedRedis> {
  const env = options.env ?? process.env;
  if (env.REDIS_URL) {
    return { url: env.REDIS_URL, source: 'REDIS_URL', stop: async () => {} };
  }
  const reasons: string[] = [];
  const sources = {
    testcontainers: () => fromTestcontainers(),
    'redis-server': () =>
      spawnRedisServer(options.serverArgs ?? [], undefined, undefined, { ownProcessGroup: options.ownProcessGroup ?? false }),
  };
  const order =
    options.prefer === 'redis-server' ? (['redis-server', 'testcontainers'] as const) : (['testcontainers', 'redis-server'] as const);
  for (const source of order) {
    try {
      return await sources[source]();
    } catch (error) {
      reasons.push(`${source}: ${firstLine(error)}`);
    }
  }
  throw new NoRedisAvailableError(reasons);
}

async function fromTestcontainers(): Promise<ProvidedRedis> {
  // Import lazily: testcontainers is heavy and only useful when an engine answers.
  const { getContainerRuntimeClient, GenericContainer, Wait } = await import('testcontainers');
  await getContainerRuntimeClient(); // throws within milliseconds when no engine answers
  const container = await new GenericContainer('redis:7-alpine')
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
    .start();
  return {
    url: `redis://${container.getHost()}:${container.getMappedPort(6379)}`,
    source: 'testcontainers',
    stop: async () => {
      await container.stop();
    },
  };
}

/**
 * Spawns `redis-server` (no persistence unless `args` ask for it) and waits until it answers PING.
 * Pass the `port` and `dir` of an earlier one to restart it on its data (its dir is then kept on stop).
 */
export async function spawnRedisServer(
  args: string[] = [],
  port?: number,
  existingDir?: string,
  { ownProcessGroup = false }: { ownProcessGroup?: boolean } = {},
): Promise<ProvidedRedis & { port: number; dir: string; process: ChildProcess }> {
  const dir = existingDir ?? (await mkdtemp(join(tmpdir(), 'regionwatch-redis-')));
  const chosenPort = port ?? (await freePort());
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(chosenPort),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: ownProcessGroup },
  );
  // Out of the terminal's group, nothing else stops it if this process ends without calling stop().
  const killOnExit = () => child.kill('SIGKILL');
  if (ownProcessGroup) process.once('exit', killOnExit);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}: ${output.trim().split('\n').at(-1) ?? ''}`)));
  });
  const url = `redis://127.0.0.1:${chosenPort}`;
  await Promise.race([waitForPing(url, 10_000), exited]);
  exited.catch(() => {}); // later exits are expected (stop, chaos tests)
  return {
    url,
    port: chosenPort,
    dir,
    process: child,
    source: 'redis-server',
    stop: async () => {
      process.off('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await gone;
      }
      if (!existingDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function waitForPing(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`Redis at ${url} did not answer PING within ${timeoutMs} ms: ${firstLine(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      client.disconnect();
    }
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
