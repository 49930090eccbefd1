import { loadWorkerConfig, type WorkerConfig } from '@regionwatch/core';
import { startSimulator, type Simulator } from '@regionwatch/simulator';
import { testRedis } from '@regionwatch/testkit/vitest';
import { startWorker, type RunningWorker } from '@regionwatch/worker';

/**
 * Metric names fixed in the plan that other work in progress adds to the worker (readiness gauges,
 * Redis gauges, the results backlog, webhook breakers, adaptive polling). The rules and the dashboard
 * may use them before they land; once the worker exposes one, it is checked like any other, and this
 * list can lose it.
 */
export const PLANNED_METRICS = new Set<string>([]);

export type LiveWorker = { config: WorkerConfig; simulator: Simulator; worker: RunningWorker; close(): Promise<void> };

/** A worker replica in this process, against the Aspose simulator and the test run's Redis. */
export async function startLiveWorker(env: Record<string, string> = {}): Promise<LiveWorker> {
  const { url, prefix } = testRedis('deploy');
  const simulator = await startSimulator({ pendingMs: 30, processingMs: 30 });
  const config = loadWorkerConfig({
    REDIS_URL: url,
    REGIONWATCH_PREFIX: prefix,
    ASPOSE_BASE_URL: simulator.url,
    ASPOSE_CLIENT_ID: simulator.credentials.clientId,
    ASPOSE_CLIENT_SECRET: simulator.credentials.clientSecret,
    POLL_INITIAL_DELAY_MS: '20',
    POLL_MAX_DELAY_MS: '200',
    METRICS_PORT: '0',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const worker = await startWorker({ config });
  return {
    config,
    simulator,
    worker,
    async close() {
      await worker.close(5_000);
      await simulator.close();
    },
  };
}

/** The series names a Prometheus scrape of `/metrics` yields (a histogram's `_bucket`, `_sum`, `_count`). */
export async function scrapedMetricNames(port: number): Promise<Set<string>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const suffixes = type === 'histogram' ? ['_bucket', '_sum', '_count'] : type === 'summary' ? ['', '_sum', '_count'] : [''];
    for (const suffix of suffixes) names.add(`${name}${suffix}`);
  }
  return names;
}
