// One real Prometheus (Debian's binary, loopback only) scrapes one live worker whose Aspose credentials
// are wrong, evaluates deploy/prometheus/regionwatch-alerts.yaml, and RegionwatchAsposeRefusesCredentials
// fires. The rules are loaded as shipped except `for:`, set to 0s so the test does not wait 5 minutes
// (the `for:` durations are covered by the promtool unit tests). The Grafana dashboard's queries then run
// against the same Prometheus, which checks that each one parses and evaluates.
import { redisTargetFrom } from '@regionwatch/core';
import { RegionTaskProducer } from '@regionwatch/producer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readYaml, type RuleFile } from './support/deploy-files.js';
import { dashboardQueries } from './support/grafana-dashboard.js';
import { startPrometheus, type PrometheusServer } from './support/prometheus-server.js';
import { startLiveWorker, type LiveWorker } from './support/worker-metrics.js';

type Alert = { labels: Record<string, string>; state: 'pending' | 'firing'; value: string };

describe('a real Prometheus scraping a live worker that Aspose refuses', () => {
  let live: LiveWorker;
  let prometheus: PrometheusServer;
  let producer: RegionTaskProducer;

  beforeAll(async () => {
    live = await startLiveWorker({ ASPOSE_CLIENT_SECRET: 'not-the-secret' });
    producer = new RegionTaskProducer({
      connection: redisTargetFrom(live.config),
      prefix: live.config.REGIONWATCH_PREFIX,
      initialDelayMs: 20,
    });
    const shipped = readYaml<RuleFile>('prometheus/regionwatch-alerts.yaml');
    const rules: RuleFile = { groups: shipped.groups.map((g) => ({ ...g, rules: g.rules.map((r) => ({ ...r, for: '0s' })) })) };
    prometheus = await startPrometheus({ targets: [`127.0.0.1:${live.worker.healthPort}`], rules });
  }, 60_000);

  afterAll(async () => {
    await prometheus?.close();
    await producer?.close();
    await live?.close();
  });

  it('fires RegionwatchAsposeRefusesCredentials (critical) and not RegionwatchWorkerDown', async () => {
    // Before the first scrape `absent(up)` holds, so RegionwatchNoWorkerUp (for: 0s here) fires at the
    // first evaluation: wait until Prometheus has scraped the worker and the rules have seen it.
    await waitForQuiet(prometheus, 'RegionwatchNoWorkerUp');
    await producer.track(live.simulator.createTask());
    const firing = await waitForAlert(prometheus, 'RegionwatchAsposeRefusesCredentials');
    expect(firing.labels.severity).toBe('critical');
    const polls = await prometheus.api<{ result: { value: [number, string] }[] }>('query', {
      query: 'sum(regionwatch_polls_total{outcome="auth_error"})',
    });
    expect(Number(polls.result[0]?.value[1])).toBeGreaterThan(0);
    const alerts = await prometheus.api<{ alerts: Alert[] }>('alerts');
    expect(alerts.alerts.map((a) => a.labels.alertname)).not.toContain('RegionwatchWorkerDown');
    expect(alerts.alerts.map((a) => a.labels.alertname)).not.toContain('RegionwatchNoWorkerUp');
  }, 90_000);

  it("evaluates every query of the Grafana dashboard without an error (on this Prometheus's data)", async () => {
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(10);
    for (const { panel, expr } of queries) {
      await expect(prometheus.api('query', { query: expr }), `${panel}: ${expr}`).resolves.toBeDefined();
    }
    // And they are about data this worker really produced: the polls panel has series (a rate needs
    // two scrapes of the counter, which may come a second after the alert fired).
    const polls = queries.find((q) => q.expr.includes('regionwatch_polls_total'))!;
    const deadline = Date.now() + 30_000;
    let series = 0;
    while (series === 0 && Date.now() < deadline) {
      series = (await prometheus.api<{ result: unknown[] }>('query', { query: polls.expr })).result.length;
      if (series === 0) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(series).toBeGreaterThan(0);
  });
});

/** Waits (bounded) until the worker has been scraped (`up` 1) and `name` is not active any more. */
async function waitForQuiet(prometheus: PrometheusServer, name: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const up = await prometheus.api<{ result: { value: [number, string] }[] }>('query', { query: 'up{job="regionwatch-worker"}' });
    const { alerts } = await prometheus.api<{ alerts: Alert[] }>('alerts');
    if (up.result[0]?.value[1] === '1' && !alerts.some((a) => a.labels.alertname === name)) return;
    if (Date.now() > deadline)
      throw new Error(`${name} still active after 60 s; alerts: ${JSON.stringify(alerts)}\n${prometheus.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Waits (bounded: a scrape and an evaluation a second) until the alert is firing. */
async function waitForAlert(prometheus: PrometheusServer, name: string): Promise<Alert> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { alerts } = await prometheus.api<{ alerts: Alert[] }>('alerts');
    const found = alerts.find((a) => a.labels.alertname === name && a.state === 'firing');
    if (found) return found;
    if (Date.now() > deadline) {
      throw new Error(`${name} did not fire within 60 s; alerts: ${JSON.stringify(alerts)}\n${prometheus.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
