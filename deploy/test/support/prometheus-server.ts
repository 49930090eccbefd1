import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@regionwatch/testkit';
import { stringify } from 'yaml';
import { requireTool, type RuleFile } from './deploy-files.js';

export type PrometheusServer = {
  url: string;
  /** GET /api/v1/<path>; throws unless Prometheus answers `status: success`. */
  api<T>(path: string, params?: Record<string, string>): Promise<T>;
  output(): string;
  close(): Promise<void>;
};

/**
 * A real Prometheus (Debian's `prometheus` binary) on a free loopback port, in a temporary directory,
 * scraping the given targets every second as job `regionwatch-worker` and evaluating `rules` every second.
 */
export async function startPrometheus(options: { targets: string[]; rules: RuleFile }): Promise<PrometheusServer> {
  const binary = requireTool('prometheus', 'prometheus');
  const dir = mkdtempSync(join(tmpdir(), 'regionwatch-prometheus-'));
  writeFileSync(join(dir, 'rules.yaml'), stringify(options.rules));
  writeFileSync(
    join(dir, 'prometheus.yaml'),
    stringify({
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      rule_files: ['rules.yaml'],
      scrape_configs: [{ job_name: 'regionwatch-worker', static_configs: [{ targets: options.targets }] }],
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${join(dir, 'prometheus.yaml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      `Prometheus ready on ${url}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${output}`);
        const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
        return response?.ok ? true : undefined;
      },
      30_000,
      100,
    );
  } catch (error) {
    await close();
    throw error;
  }

  return {
    url,
    async api<T>(path: string, params: Record<string, string> = {}) {
      const response = await fetch(`${url}/api/v1/${path}?${new URLSearchParams(params).toString()}`, {
        signal: AbortSignal.timeout(5_000),
      });
      const body = (await response.json()) as { status: string; data: T; error?: string };
      if (body.status !== 'success') throw new Error(`Prometheus ${path} ${JSON.stringify(params)}: ${body.error ?? response.status}`);
      return body.data;
    },
    output: () => output,
    close,
  };
}
