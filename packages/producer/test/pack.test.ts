// How a service in another repository gets the producer: build and `npm pack` the two publishable packages,
// install the tarballs into a scratch project in a temporary directory (their dependencies come from the npm
// registry, as for any consumer), then use them from there: track a task in the test's Redis with
// RegionTaskProducer, type-check a small TypeScript file against the shipped declarations, and run the
// `regionwatch-track` bin.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { POLL_QUEUE } from '@regionwatch/core';
import { REPO_ROOT } from '@regionwatch/testkit';
import { testRedis } from '@regionwatch/testkit/vitest';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PACKAGES = ['@regionwatch/core', '@regionwatch/producer'];

describe('@regionwatch/core and @regionwatch/producer as npm tarballs', () => {
  let dir: string;
  let app: string;
  const tarballs: Record<string, { filename: string; files: { path: string }[] }> = {};
  const sh = (command: string, args: string[], cwd: string, timeout = 180_000) =>
    execFileSync(command, args, { cwd, encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'regionwatch-pack-'));
    // What each package's prepack script runs (the producer's build needs core's dist first; turbo orders
    // them), then `npm pack` without scripts, so its --json output stays clean.
    sh('npx', ['turbo', 'run', 'build', '--filter=@regionwatch/producer', '--output-logs=errors-only'], REPO_ROOT);
    for (const name of PACKAGES) {
      const args = ['pack', '--json', '--ignore-scripts', '--workspace', name, '--pack-destination', dir];
      const [packed] = JSON.parse(sh('npm', args, REPO_ROOT)) as [{ filename: string; files: { path: string }[] }];
      tarballs[name] = packed;
    }
    app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'upstream-service', private: true, type: 'module' }));
    const files = PACKAGES.map((name) => join(dir, tarballs[name]!.filename));
    sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...files], app);
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ship dist with declarations, the sources their maps point to, a README and a CHANGELOG, and no tests', () => {
    for (const name of PACKAGES) {
      const paths = tarballs[name]!.files.map((f) => f.path);
      expect(paths, name).toEqual(
        expect.arrayContaining(['package.json', 'README.md', 'CHANGELOG.md', 'dist/index.js', 'dist/index.d.ts']),
      );
      expect(paths, name).toEqual(expect.arrayContaining(['dist/index.d.ts.map', 'src/index.ts']));
      expect(
        paths.filter((p) => /\.test\.|(^|\/)test\//.test(p)),
        name,
      ).toEqual([]);
      const manifest = JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8')) as Record<string, unknown>;
      expect(manifest.private, name).toBeUndefined();
      expect(manifest.publishConfig, name).toEqual({ access: 'public' });
    }
  });

  it('track a task from the installed package: the poll job lands in regions-poll with the task id as job id', async () => {
    const { url, prefix } = testRedis('pack');
    const script = [
      "import { RegionTaskProducer, pollJobOptions } from '@regionwatch/producer';",
      "import { POLL_QUEUE } from '@regionwatch/core';",
      'const producer = new RegionTaskProducer({ connection: process.argv[2], prefix: process.argv[3], initialDelayMs: 600000 });',
      'await producer.waitUntilReady();',
      "const result = await producer.track('3f1c7a9e-5b2d-4c8e-9a61-0d2f4b6e8c10', { metadata: { from: 'tarball' } });",
      'await producer.close();',
      "console.log(JSON.stringify({ result, queue: POLL_QUEUE, options: pollJobOptions({ taskId: 'x' }, 1000) }));",
    ].join('\n');
    writeFileSync(join(app, 'track.mjs'), script);
    const output = JSON.parse(sh(process.execPath, ['track.mjs', url, prefix], app, 30_000)) as {
      result: { taskId: string; created: boolean };
      queue: string;
      options: { jobId: string; attempts: number };
    };
    expect(output.result).toEqual({ taskId: '3f1c7a9e-5b2d-4c8e-9a61-0d2f4b6e8c10', created: true });
    expect(output.queue).toBe(POLL_QUEUE);
    expect(output.options).toMatchObject({ jobId: 'x', attempts: 10 });

    const queue = new Queue(POLL_QUEUE, { connection: { url }, prefix });
    try {
      const job = await queue.getJob('3f1c7a9e-5b2d-4c8e-9a61-0d2f4b6e8c10');
      expect(job?.name).toBe('poll');
      expect(job?.data).toMatchObject({ taskId: '3f1c7a9e-5b2d-4c8e-9a61-0d2f4b6e8c10', metadata: { from: 'tarball' } });
      expect(await job?.getState()).toBe('delayed');
    } finally {
      await queue.close();
    }
  });

  it('type-check a TypeScript consumer against the shipped declarations (strict, NodeNext)', () => {
    writeFileSync(
      join(app, 'consumer.ts'),
      [
        "import { RegionTaskProducer, pollJobOptions, type TrackResult } from '@regionwatch/producer';",
        "import { regionResultSchema, type RegionResult, type PollJob } from '@regionwatch/core';",
        "const producer: RegionTaskProducer = new RegionTaskProducer({ connection: 'redis://127.0.0.1:6379' });",
        "const tracked: Promise<TrackResult> = producer.track('task-1', { webhookUrl: 'https://example.com/hook' });",
        "const job: PollJob = { taskId: 'task-1', metadata: { a: 'b' } };",
        'const jobId: string | undefined = pollJobOptions(job, 1000).jobId;',
        'const parse = (data: unknown): RegionResult => regionResultSchema.parse(data);',
        '// The declarations are real types, not `any`: each of these must be an error.',
        '// @ts-expect-error a task id is a string',
        'void producer.track(42);',
        '// @ts-expect-error connection is required',
        'new RegionTaskProducer({});',
        'export { tracked, jobId, parse };',
      ].join('\n'),
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(REPO_ROOT, 'node_modules', '@types')],
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    expect(() => sh(process.execPath, [tsc, '-p', 'tsconfig.json'], app, 120_000)).not.toThrow();
  });

  it('install the regionwatch-track bin', () => {
    const help = sh(join(app, 'node_modules', '.bin', 'regionwatch-track'), ['--help'], app, 30_000);
    expect(help).toMatch(/usage/i);
  });
});
