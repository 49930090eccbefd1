import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { POLL_QUEUE } from '@regionwatch/core';
import { it, type TestRedis } from '@regionwatch/testkit/vitest';
import { Queue } from 'bullmq';
import { afterEach, describe, expect } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const queues: Queue[] = [];

/** A CLI run that has not exited after this long is hung, not slow. */
const CHILD_LIMIT_MS = 100_000;
/** Each test runs one to three CLIs: the test's own bound is theirs, plus room (vitest's 30 s default is a speed limit). */
const TEST_LIMIT_MS = 3 * CHILD_LIMIT_MS + 20_000;
afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.close()));
});

async function track({ url, prefix }: TestRedis, args: string[], options: { stdin?: string; env?: Record<string, string> } = {}) {
  const child = spawn(process.execPath, ['--conditions=@regionwatch/source', '--import', 'tsx', cli, ...args], {
    cwd: root,
    env: { ...process.env, REDIS_URL: url, REGIONWATCH_PREFIX: prefix, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(options.stdin ?? '');
  // The test waits for the child to exit, however slowly a loaded machine starts it (tsx compiles the CLI
  // first: seconds at load 15); the bound only turns a hung CLI into a clear failure.
  const hung = setTimeout(() => child.kill('SIGKILL'), CHILD_LIMIT_MS);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve)).finally(() => clearTimeout(hung));
  if (code === null) throw new Error(`the CLI did not exit within ${CHILD_LIMIT_MS} ms (killed); stderr: ${stderr}`);
  const queue = new Queue(POLL_QUEUE, { connection: { url }, prefix });
  queues.push(queue);
  return { code, stdout, stderr, queue };
}

const id = (n: number) => `9b2d7c1e-1111-4000-8000-${String(n).padStart(12, '0')}`;

describe('npm run track', { timeout: TEST_LIMIT_MS }, () => {
  it('tracks ids given as arguments with a webhook and metadata', async ({ redis }) => {
    const { code, stdout, queue } = await track(redis, [
      '--webhook',
      'https://hooks.example.com/r',
      '--meta',
      'customer=acme',
      '--meta',
      'note=a=b',
      id(1),
      id(2),
      id(1),
    ]);
    expect(code).toBe(0);
    expect(stdout).toBe(`created ${id(1)}\ncreated ${id(2)}\nduplicate ${id(1)}\n`);
    const job = await queue.getJob(id(1));
    expect(job?.data).toMatchObject({
      taskId: id(1),
      webhookUrl: 'https://hooks.example.com/r',
      metadata: { customer: 'acme', note: 'a=b' },
    });
  });

  it('reads ids from stdin, one a line, skipping blank lines and CRLF endings', async ({ redis }) => {
    const { code, stdout, queue } = await track(redis, ['-'], { stdin: `${id(3)}\r\n\n${id(4)}\n` });
    expect(code).toBe(0);
    expect(stdout).toBe(`created ${id(3)}\ncreated ${id(4)}\n`);
    expect(await queue.count()).toBe(2);
  });

  it('reads stdin when no id is given, in batches', async ({ redis }) => {
    const ids = Array.from({ length: 2_500 }, (_, i) => id(100 + i));
    const { code, stdout, queue } = await track(redis, [], { stdin: ids.join('\n') });
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toEqual(ids.map((i) => `created ${i}`));
    expect(await queue.count()).toBe(2_500);
  });

  it('reports a bad id clearly, tracks the good ones, exits 1', async ({ redis }) => {
    const { code, stdout, stderr, queue } = await track(redis, [id(5), 'not a valid id', 'a:b', id(6)]);
    expect(code).toBe(1);
    expect(stdout).toBe(`created ${id(5)}\ncreated ${id(6)}\n`);
    expect(stderr).toContain('error "not a valid id": taskId must be 1-128 characters');
    expect(stderr).toContain('error "a:b": taskId must be');
    expect(await queue.count()).toBe(2);
  });

  it('refuses a bad webhook URL for every id, writing nothing', async ({ redis }) => {
    const { code, stdout, stderr, queue } = await track(redis, ['--webhook', 'javascript:alert(1)', id(7)]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`error "${id(7)}": webhookUrl must be an http(s) URL`);
    expect(await queue.count()).toBe(0);
  });

  it('--kind labels the tracked tasks (adaptive polling learns per kind); a malformed kind is refused, nothing tracked', async ({
    redis,
  }) => {
    const { code, stdout, queue } = await track(redis, ['--kind', 'invoice-scan', id(11)]);
    expect({ code, stdout }).toEqual({ code: 0, stdout: `created ${id(11)}\n` });
    expect((await queue.getJob(id(11)))?.data).toMatchObject({ taskId: id(11), kind: 'invoice-scan' });
    const refused = await track(redis, ['--kind', '_shared', id(12)]);
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('--kind "_shared": must be 1-64 characters') });
    expect(await refused.queue.getJob(id(12))).toBeUndefined();
  });

  it('explains usage errors and configuration errors with exit code 2', async ({ redis }) => {
    expect(await track(redis, ['--meta', 'novalue', id(8)])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--meta expects key=value'),
    });
    expect(await track(redis, ['--bogus'])).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: npm run track') });
    expect(await track(redis, [id(9)], { env: { POLL_INITIAL_DELAY_MS: 'soon' } })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('POLL_INITIAL_DELAY_MS: must be a whole number'),
    });
  });

  it('says so when Redis cannot be reached', async ({ redis }) => {
    const { code, stderr } = await track(redis, [id(10)], { env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    expect(code).toBe(2);
    expect(stderr).toMatch(/could not track: Redis did not answer within 5000 ms: connect ECONNREFUSED 127\.0\.0\.1:1/);
  });
});
