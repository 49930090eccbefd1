import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@regionwatch/testkit';
import { parse as parseYaml, parseAllDocuments } from 'yaml';

export const DEPLOY_DIR = join(REPO_ROOT, 'deploy');
export const PROMETHEUS_DIR = join(DEPLOY_DIR, 'prometheus');
export const RULES_FILE = join(PROMETHEUS_DIR, 'regionwatch-alerts.yaml');
export const RULE_TESTS_FILE = join(PROMETHEUS_DIR, 'regionwatch-alerts.test.yaml');

export const readDeployFile = (path: string) => readFileSync(join(DEPLOY_DIR, path), 'utf8');
export const readYaml = <T>(path: string): T => parseYaml(readDeployFile(path)) as T;
/** Every document of a multi-document YAML file. */
export const readYamlDocuments = <T>(path: string): T[] => parseAllDocuments(readDeployFile(path)).map((d) => d.toJS() as T);

/**
 * The path of a command-line tool the tests need, or an error that says how to install it. Prometheus's
 * `promtool` and `prometheus` come from Debian's `prometheus` package (.ci/run installs it).
 */
export function requireTool(command: string, aptPackage: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') {
    const install = `apt-get install -y ${aptPackage}`;
    throw new Error(`${command} is not installed: install Debian's \`${aptPackage}\` package (${install}), as .ci/run does`);
  }
  return path;
}

/** Runs a tool; resolves its output, or throws with its output when it exits non-zero. */
export function run(command: string, args: string[], cwd = DEPLOY_DIR): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

export type AlertRule = {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
};
export type RuleFile = { groups: { name: string; rules: AlertRule[] }[] };

export const alertRules = (): AlertRule[] => readYaml<RuleFile>('prometheus/regionwatch-alerts.yaml').groups.flatMap((g) => g.rules);

/** Metric names a PromQL expression reads (regionwatch's own, plus Prometheus's `up`). */
export function metricNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\b(regionwatch_[a-z0-9_]+|up)\b(?=\s*[{[)\s]|$)/g)].map((m) => m[1]!))];
}
