import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

// A smoke test only: every scenario runs on tiny sizes and reports well-formed figures. No timing
// is asserted (speed is measured by `npm run bench`, not by tests).
describe('npm run bench -- --tiny', () => {
  it('runs every scenario and writes a results file', async () => {
    const out = await mkdtemp(join(tmpdir(), 'rw-bench-'));
    try {
      const child = spawn(
        process.execPath,
        ['--conditions=@regionwatch/source', '--import', 'tsx', 'bench/src/main.ts', '--tiny', '--out', out],
        { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code, output).toBe(0);

      const [file] = await readdir(out);
      expect(file).toMatch(/^\d{4}-\d\d-\d\d-tiny\.json$/);
      const results = JSON.parse(await readFile(join(out, file ?? ''), 'utf8'));
      expect(results.machine.cores).toBeGreaterThan(0);
      expect(results.throughput.map((r: { concurrency: number }) => r.concurrency)).toEqual([1, 16]);
      for (const row of results.throughput) {
        expect(row.worker.polls).toBe(row.tasks * row.pollsPerTask); // exactly k GETs per task, none wasted
        expect(row.ratio).toBeGreaterThan(0);
      }
      expect(results.httpClients.map((r: { client: string }) => r.client)).toEqual(['got', 'undici', 'fetch']);
      expect(results.redisCost.commandsPerPoll).toBeGreaterThan(0);
      expect(results.redisCost.roundTripsPerPoll).toBeGreaterThan(0);
      expect(results.memory.bytesPerPendingTask).toBeGreaterThan(0);
      expect(results.enqueue.trackManyPerSecond).toBeGreaterThan(0);
      expect(results.latency.meanPollsPerTask).toBeGreaterThanOrEqual(1);
      expect(results.scaleOut).toHaveLength(2);
      expect(results.cpuProfile.byArea.length).toBeGreaterThan(0);
      expect(results.adaptive.workloads.map((w: { workload: string }) => w.workload)).toEqual(['lognormal', 'bimodal', 'bimodal', 'shift']);
      expect(results.adaptiveLive.workloads[0].rows.map((r: { strategy: string }) => r.strategy)).toEqual(['adaptive']);
      expect(results.adaptiveLive.workloads[0].rows[0].meanPolls).toBeGreaterThanOrEqual(1); // the real worker polled the simulator
      expect(output).toContain('| C | N tasks × k |');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 480_000); // tiny sizes, but every scenario: about a minute on a quiet machine, several under load
});
