import { readDeployFile } from './deploy-files.js';

export type Target = { expr: string; refId: string; datasource?: { type: string; uid: string }; legendFormat?: string };
export type Panel = {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { type: string; uid: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Target[];
  panels?: Panel[];
};
export type Dashboard = {
  uid: string;
  title: string;
  schemaVersion: number;
  templating: { list: { name: string; type: string; query: unknown; allValue?: string }[] };
  panels: Panel[];
};

export const DASHBOARD_FILE = 'grafana/regionwatch-dashboard.json';
export const readDashboard = (): Dashboard => JSON.parse(readDeployFile(DASHBOARD_FILE)) as Dashboard;

/**
 * Grafana's variables replaced the way Grafana would for a plain PromQL engine: `$prefix` by its "All"
 * value, `$__rate_interval` by a fixed window.
 */
export function substituteVariables(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '15s').replaceAll('$prefix', '.*');
}

/** Every query of every panel, with the variables substituted. */
export function dashboardQueries(dashboard = readDashboard()): { panel: string; expr: string }[] {
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((t) => ({ panel: panel.title, expr: substituteVariables(t.expr) })));
}
