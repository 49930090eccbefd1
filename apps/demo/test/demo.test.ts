import { spawn } from 'node:child_process';
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
});
