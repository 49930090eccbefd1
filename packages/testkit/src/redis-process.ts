import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

/** One `redis-server` or `redis-sentinel` this process started, on 127.0.0.1 in a temp dir of its own. */
export type RedisNodeProcess = {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly dir: string;
  readonly process: ChildProcess;
  /** The last output lines (its log goes to stdout), for error messages. */
  output(): string;
  alive(): boolean;
  /** A short-lived client to this very node (authenticated when it has a password); the caller disconnects it. */
  client(): Redis;
  /** Sends `signal` (default SIGKILL) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Kills it if it still runs and removes its dir. */
  stop(): Promise<void>;
};

export type StartRedisProcessOptions = {
  /** `redis-server` (default) or `redis-sentinel`. */
  binary?: 'redis-server' | 'redis-sentinel';
  /** Config file lines after `port`, `bind`, `dir` (e.g. `replicaof 127.0.0.1 6380`). */
  config?: string[];
  /** The node's password (`requirepass`), used by `client()` and the start-up check. */
  password?: string;
  /** How long it may take to answer PING. */
  timeoutMs?: number;
  /** Where the port comes from (default: one the OS says is free); tests of the retry pass their own. */
  pickPort?: () => Promise<number>;
};

// Every node still running when this process exits is killed, whatever ended the test run.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts one Redis process from a config file written into a fresh temp dir, on a free loopback port,
 * and waits (bounded) until it answers PING. Throws with its last output lines if it exits or stays
 * silent. The config file stays writable: Sentinel and Cluster rewrite theirs.
 */
export async function startRedisProcess(options: StartRedisProcessOptions = {}): Promise<RedisNodeProcess> {
  // The free port (or a Cluster node's bus port, port + 10000) can be taken by another process before the
  // node binds it; test files run in parallel, so such a start is retried on another port.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startRedisProcessOnce(options);
    } catch (error) {
      if (attempt >= MAX_PORT_ATTEMPTS || !(error as Error).message.includes('Address already in use')) throw error;
    }
  }
}

const MAX_PORT_ATTEMPTS = 5;

async function startRedisProcessOnce(options: StartRedisProcessOptions): Promise<RedisNodeProcess> {
  const binary = options.binary ?? 'redis-server';
  const dir = await mkdtemp(join(tmpdir(), `regionwatch-${binary}-`));
  const port = await (options.pickPort ?? freePort)();
  const file = join(dir, binary === 'redis-sentinel' ? 'sentinel.conf' : 'redis.conf');
  const lines = [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, 'daemonize no', 'logfile ""', ...(options.config ?? [])];
  await writeFile(file, `${lines.join('\n')}\n`);
  const child = spawn(binary, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-6_000));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const client = () =>
    new Redis({
      host: '127.0.0.1',
      port,
      ...(options.password === undefined ? {} : { password: options.password }),
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    }).on('error', () => {});
  const node: RedisNodeProcess = {
    host: '127.0.0.1',
    port,
    dir,
    process: child,
    output: () => output,
    alive,
    client,
    kill: async (signal: NodeJS.Signals = 'SIGKILL') => {
      if (!alive()) return;
      child.kill(signal);
      await exited;
    },
    stop: async () => {
      await node.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await untilAnswers(node, options.timeoutMs ?? 10_000);
  } catch (error) {
    await node.stop();
    throw error;
  }
  return node;
}

async function untilAnswers(node: RedisNodeProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!node.alive()) throw new Error(`${spawnName(node)} exited at start-up:\n${lastLines(node.output())}`);
    const client = node.client();
    try {
      await client.connect();
      // The answer must come from this very process: when the port was taken, another node answers there.
      if ((await client.ping()) === 'PONG' && infoFields(await client.info('server')).process_id === String(node.process.pid)) return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(
          `${spawnName(node)} did not answer PING within ${timeoutMs} ms (${(error as Error).message}):\n${lastLines(node.output())}`,
        );
      }
    } finally {
      client.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const spawnName = (node: RedisNodeProcess) => `${String(node.process.spawnfile)} on port ${node.port}`;

/** The last lines of a process's output, for an error message. */
export function lastLines(text: string, count = 15): string {
  return text.trim().split('\n').slice(-count).join('\n');
}

/** `INFO <section>` of a node as key → value. */
export async function infoOf(node: RedisNodeProcess, section: string): Promise<Record<string, string>> {
  const client = node.client();
  try {
    await client.connect();
    return infoFields(await client.info(section));
  } finally {
    client.disconnect();
  }
}

/** The `field:value` lines of an `INFO` or `CLUSTER INFO` answer. */
export function infoFields(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\r\n')
      .filter((line) => line.includes(':'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
  );
}

/** Checks `condition` every 100 ms until it holds, errors counting as "not yet"; throws naming `what` after `timeoutMs`. */
export async function untilHolds(what: string, timeoutMs: number, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await condition()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
