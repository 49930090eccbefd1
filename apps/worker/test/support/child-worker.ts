import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

/** A worker replica in its own process, exactly as `npm run worker` starts it. */
export type ChildWorker = {
  process: ChildProcess;
  output: string[];
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
};

export async function startChildWorker(env: Record<string, string>, timeoutMs = 20_000): Promise<ChildWorker> {
  const child = spawn(process.execPath, ['--conditions=@regionwatch/source', '--import', 'tsx', main], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const collect = (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start within ${timeoutMs} ms:\n${output.join('\n')}`)), timeoutMs);
    const check = () => {
      if (output.some((line) => line.includes('"worker started"'))) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}) before starting:\n${output.join('\n')}`));
    });
  });
  return { process: child, output, exited };
}
