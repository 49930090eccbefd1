// deploy/prometheus/regionwatch-alerts.yaml checked by Prometheus's own tools: `promtool check rules`
// (syntax, PromQL, templates) and `promtool test rules` (the unit tests beside it, one firing case per
// alert at least); and against the worker: every metric the rules read is one a live worker serves on
// /metrics (or one the plan fixes and other work is adding, see PLANNED_METRICS).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertRules, metricNames, readYaml, requireTool, RULE_TESTS_FILE, RULES_FILE, run } from './support/deploy-files.js';
import { PLANNED_METRICS, scrapedMetricNames, startLiveWorker, type LiveWorker } from './support/worker-metrics.js';

type RuleTests = {
  rule_files: string[];
  tests: { name: string; alert_rule_test?: { alertname: string; exp_alerts: { exp_labels: Record<string, string> }[] }[] }[];
};

const SEVERITIES = ['critical', 'warning', 'info'];

describe('Prometheus alert rules (deploy/prometheus)', () => {
  const promtool = () => requireTool('promtool', 'prometheus');

  it('pass `promtool check rules`', () => {
    const output = run(promtool(), ['check', 'rules', RULES_FILE]);
    expect(output).toContain(`SUCCESS: ${alertRules().length} rules found`);
  });

  it('pass their unit tests (`promtool test rules`)', () => {
    expect(run(promtool(), ['test', 'rules', RULE_TESTS_FILE])).toContain('SUCCESS');
  });

  it('each alert has a severity label, a summary and a description, and at least one unit test where it fires', () => {
    const tests = readYaml<RuleTests>('prometheus/regionwatch-alerts.test.yaml');
    expect(tests.rule_files).toEqual(['regionwatch-alerts.yaml']);
    const firing = new Set(
      tests.tests.flatMap((t) => (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)),
    );
    const rules = alertRules();
    expect(rules.length).toBeGreaterThanOrEqual(12);
    for (const rule of rules) {
      expect(SEVERITIES, `${rule.alert}: severity`).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, `${rule.alert}: summary`).toBeTruthy();
      expect(rule.annotations?.description, `${rule.alert}: description`).toBeTruthy();
      expect(firing.has(rule.alert), `${rule.alert} has a unit test in which it fires`).toBe(true);
    }
    // The list, by name.
    for (const name of [
      'RegionwatchWorkerDown',
      'RegionwatchWorkerNotReady',
      'RegionwatchAsposeRefusesCredentials',
      'RegionwatchPollsFailing',
      'RegionwatchPollJobsFailed',
      'RegionwatchResultsBacklog',
      'RegionwatchWebhookDeadLetters',
      'RegionwatchWebhookBreakerOpen',
      'RegionwatchRedisMemoryHigh',
    ]) {
      expect(rules.map((r) => r.alert)).toContain(name);
    }
  });

  it('never count rate_limited polls (no request was sent) in a failure ratio', () => {
    const ratio = alertRules().find((r) => r.alert === 'RegionwatchPollsFailing')!;
    const denominator = ratio.expr.split('/')[1]!;
    expect(denominator).toContain('outcome!="rate_limited"');
  });

  describe('against a live worker', () => {
    let live: LiveWorker;
    beforeAll(async () => {
      live = await startLiveWorker();
    });
    afterAll(async () => {
      await live?.close();
    });

    it('read only metrics the worker serves (or that the plan fixes and other work is adding)', async () => {
      const served = await scrapedMetricNames(live.worker.healthPort!);
      expect(served).toContain('regionwatch_polls_total');
      const used = new Set(alertRules().flatMap((r) => metricNames(r.expr)));
      used.delete('up'); // Prometheus's own, per target
      const unknown = [...used].filter((name) => !served.has(name) && !PLANNED_METRICS.has(name));
      expect(unknown, 'metrics the rules read that the worker does not serve').toEqual([]);
      const stillPlanned = [...used].filter((name) => !served.has(name));
      if (stillPlanned.length > 0) console.info(`alert rules use planned metrics not served yet: ${stillPlanned.join(', ')}`);
    });
  });
});
