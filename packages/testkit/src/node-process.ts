import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (entry points below are relative to it). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

export type NodeChild = {
  process: ChildProcess;
  /** Output lines, stdout and stderr interleaved (the last 2 000). */
  lines: string[];
  /** Resolves with the exit code, or the signal's name. */
  exited: Promise<number | string>;
  /** User + system CPU seconds the process has used so far (Linux /proc). */
  cpuSeconds(): number;
};

/** Runs an entry point of this repo in its own Node process: TypeScript through tsx, `.js` as is. */
export function spawnNode(entry: string, args: string[] = [], env: Record<string, string> = {}, nodeFlags: string[] = []): NodeChild {
  const loader = entry.endsWith('.ts') ? ['--conditions=@regionwatch/source', '--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...nodeFlags, ...loader, entry, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 2_000) lines.splice(0, lines.length - 2_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  // REGIONWATCH_TEST_LOG_DIR keeps every line of every child (the buffer above keeps the last 2 000): for
  // investigating a chaos or bench run after the fact.
  const logDir = process.env.REGIONWATCH_TEST_LOG_DIR;
  if (logDir) {
    const file = createWriteStream(join(logDir, `${basename(entry).replace(/\.[jt]s$/, '')}-${child.pid}.log`));
    child.stdout?.pipe(file, { end: false });
    child.stderr?.pipe(file, { end: false });
    child.once('exit', () => file.end());
  }
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return {
    process: child,
    lines,
    exited,
    cpuSeconds() {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime, stime
    },
  };
}

/** Waits (bounded) until `check` returns a value (not undefined) and returns it; throws naming `what` when time runs out. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits (bounded) until `check` resolves true; throws naming `what` when time runs out. */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 50): Promise<void> {
  await waitFor(what, async () => ((await check()) ? true : undefined), timeoutMs, intervalMs);
}
