import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('npm run demo', () => {
  it('tracks every kind of task end to end, prints the results and a summary, and stops cleanly', async () => {
    const env = { ...process.env };
    delete env.REDIS_URL; // the demo provides its own Redis, as on a fresh machine
    delete env.ASPOSE_CLIENT_ID;
    const child = spawn(
      process.execPath,
      ['--conditions=@regionwatch/source', '--import', 'tsx', 'apps/demo/src/main.ts', '--exit-when-done'],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    expect(code, output).toBe(0);
    expect(output).toMatch(/^Redis +redis:\/\/127\.0\.0\.1:\d+ +\(started with (redis-server|testcontainers)\)$/m);
    expect(output).toMatch(/^Aspose +simulator at http:\/\/127\.0\.0\.1:\d+/m);
    expect(output).toMatch(
      /^Dashboard +http:\/\/127\.0\.0\.1:\d+\/queues +\(no auth, so loopback only; look up a task at http:\/\/127\.0\.0\.1:\d+\/tasks\)$/m,
    );
    expect(output).toMatch(/^Completed +\S+ +the Aspose documentation example +polls \d+/m);
    expect(output).toMatch(/^ +region \[0, 8\] → \[697, 441\]/m);
    for (const status of ['Error', 'NotExist', 'Malformed', 'Expired']) expect(output).toMatch(new RegExp(`^${status} +\\S+`, 'm'));
    expect(output).toMatch(/^Summary: 8 tasks \(.*\); 8 webhooks verified, 0 duplicates, 0 rejected; \d+ polls to Aspose\.$/m);
    expect(output).toContain('Stopping everything the demo started');
  }, 60_000);

  it('a Ctrl-C in the terminal (SIGINT to its whole process group) stops everything in order: no Redis lost on the way out', async () => {
    const env = { ...process.env };
    delete env.REDIS_URL;
    delete env.ASPOSE_CLIENT_ID;
    // A group of its own, as a shell gives a foreground job, so the signal below reaches the demo and every process
    // it spawned that stayed in its group — as a terminal's Ctrl-C does — and not this test runner.
    const child = spawn(process.execPath, ['--conditions=@regionwatch/source', '--import', 'tsx', 'apps/demo/src/main.ts'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const deadline = Date.now() + 90_000;
      while (!output.includes('press Ctrl-C to stop')) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the demo did not finish its tasks:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      process.kill(-(child.pid as number), 'SIGINT');
      expect(await exited, output).toBe(0);
    } finally {
      if (child.exitCode === null) process.kill(-(child.pid as number), 'SIGKILL');
    }
    // The worker handed its jobs back with Redis still there (Redis stops last), and the Redis it started is gone.
    expect(output).toContain('Stopping everything the demo started');
    expect(output).not.toMatch(/Redis connection lost|Redis is unreachable at shutdown/);
    const port = /^Redis +redis:\/\/127\.0\.0\.1:(\d+) +\(started with redis-server\)$/m.exec(output)?.[1];
    if (port) {
      const refused = await new Promise<boolean>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1');
        socket.once('connect', () => (socket.destroy(), resolve(false)));
        socket.once('error', () => resolve(true));
      });
      expect(refused, `a redis-server still listens on ${port}`).toBe(true);
    }
  }, 120_000);
});
