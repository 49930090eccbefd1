// deploy/grafana/regionwatch-dashboard.json, checked without a Grafana: its layout and variables, every
// query parsed by promtool (as a recording rule), every metric one the worker serves (or a planned one),
// and every metric an alert reads is on it. prometheus-live.test.ts evaluates the same queries on a real
// Prometheus. Not checked: that Grafana imports and renders it (no Grafana here).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { alertRules, metricNames, requireTool, run } from './support/deploy-files.js';
import { dashboardQueries, readDashboard } from './support/grafana-dashboard.js';
import { PLANNED_METRICS, scrapedMetricNames, startLiveWorker, type LiveWorker } from './support/worker-metrics.js';

describe('Grafana dashboard (deploy/grafana)', () => {
  const dashboard = readDashboard();
  const panels = dashboard.panels.filter((p) => p.type !== 'row');

  it('has unique panel ids, a layout inside 24 columns without overlaps, and every query on the chosen Prometheus', () => {
    expect(dashboard.uid).toBe('regionwatch');
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    const cells = new Set<string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, `${panel.title} fits in 24 columns`).toBeLessThanOrEqual(24);
      for (let row = y; row < y + h; row++)
        for (let column = x; column < x + w; column++) {
          expect(cells.has(`${row}:${column}`), `${panel.title} overlaps another panel at ${row}:${column}`).toBe(false);
          cells.add(`${row}:${column}`);
        }
    }
    for (const panel of panels) {
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
      expect(panel.description, `${panel.title} says what it shows`).toBeTruthy();
      expect(panel.targets?.length, `${panel.title} has queries`).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.datasource?.uid).toBe('${datasource}');
    }
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'prefix']);
  });

  it('has queries that promtool parses (each as a recording rule)', () => {
    const promtool = requireTool('promtool', 'prometheus');
    const dir = mkdtempSync(join(tmpdir(), 'regionwatch-grafana-'));
    try {
      const rules = dashboardQueries().map(({ expr }, i) => ({ record: `regionwatch_dashboard:query_${i}`, expr }));
      writeFileSync(join(dir, 'queries.yaml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
      expect(run(promtool, ['check', 'rules', join(dir, 'queries.yaml')])).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows every metric an alert reads', () => {
    const shown = new Set(dashboardQueries().flatMap(({ expr }) => metricNames(expr)));
    const alerted = new Set(alertRules().flatMap((rule) => metricNames(rule.expr)));
    expect([...alerted].filter((name) => !shown.has(name))).toEqual([]);
  });

  describe('against a live worker', () => {
    let live: LiveWorker;
    beforeAll(async () => {
      live = await startLiveWorker();
    });
    afterAll(async () => {
      await live?.close();
    });

    it('queries only metrics the worker serves (or that the plan fixes and other work is adding)', async () => {
      const served = await scrapedMetricNames(live.worker.healthPort!);
      const used = new Set(dashboardQueries().flatMap(({ expr }) => metricNames(expr)));
      used.delete('up');
      expect([...used].filter((name) => !served.has(name) && !PLANNED_METRICS.has(name))).toEqual([]);
      expect(used.size).toBeGreaterThan(15);
    });
  });
});
