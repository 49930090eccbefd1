// deploy/kubernetes checked without a cluster: every object validates against the Kubernetes API schema
// (kubernetes-models, Kubernetes 1.27), `kubectl kustomize` renders the directory (when kubectl is on
// PATH), and every environment variable, secret key, port and probe path is one the apps really read and
// serve: the variables against the exported config schemas, the ports against the configured ones, and
// the probe paths by starting a worker and a dashboard with the environment the manifests give them and
// requesting each path. The readiness timeout is measured against a Redis that stops answering.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@regionwatch/core';
import { createLogger, loadConfig, loadDashboardConfig, loadWorkerConfig } from '@regionwatch/core';
import * as dashboardModule from '@regionwatch/dashboard';
import { startDashboard } from '@regionwatch/dashboard';
import { startSimulator, type Simulator } from '@regionwatch/simulator';
import { configSchemas, spawnRedisServer, variablesOf } from '@regionwatch/testkit';
import { testRedis } from '@regionwatch/testkit/vitest';
import * as workerModule from '@regionwatch/worker';
import { startWorker, type RunningWorker } from '@regionwatch/worker';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { DEPLOY_DIR, readYaml, readYamlDocuments, requireTool, run } from './support/deploy-files.js';

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [key: string]: unknown };
type Kustomization = { resources: string[]; images: { name: string }[] };

const KUSTOMIZATION = readYaml<Kustomization>('kubernetes/kustomization.yaml');
const OBJECTS = KUSTOMIZATION.resources.flatMap((file) => readYamlDocuments<K8sObject>(`kubernetes/${file}`));
const SECRET_EXAMPLE = new Secret(readYaml('kubernetes/secret.example.yaml'));
const SCHEMAS = configSchemas(core, workerModule, dashboardModule);
const DEFAULTS = loadConfig({});

const find = <T>(kind: string, name: string, model: new (data: never) => T): T => {
  const found = OBJECTS.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in deploy/kubernetes`);
  return new model(found as never);
};
const worker = find('Deployment', 'regionwatch-worker', Deployment);
const dashboard = find('Deployment', 'regionwatch-dashboard', Deployment);
const workerContainer = worker.spec!.template.spec!.containers[0]!;
const dashboardContainer = dashboard.spec!.template.spec!.containers[0]!;

/** What the container's environment holds: ConfigMaps (envFrom), literal values, and the example Secret's values. */
function containerEnvironment(container: IContainer): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) Object.assign(env, find('ConfigMap', source.configMapRef!.name!, ConfigMap).data);
  for (const variable of container.env ?? []) {
    const secretKey = variable.valueFrom?.secretKeyRef;
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (secretKey) env[variable.name] = SECRET_EXAMPLE.stringData![secretKey.key]!;
  }
  return env;
}

const portNamed = (container: IContainer, name: string) => container.ports?.find((p) => p.name === name)?.containerPort;

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  it('are valid Kubernetes objects (API schema of kubernetes-models), the Secret example too', () => {
    const models: Record<string, new (data: never) => { validate(): void }> = {
      'v1/ConfigMap': ConfigMap,
      'v1/Service': Service,
      'apps/v1/Deployment': Deployment,
      'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
    };
    for (const object of OBJECTS) {
      const model = models[`${object.apiVersion}/${object.kind}`];
      expect(model, `${object.apiVersion} ${object.kind} is one of ${Object.keys(models).join(', ')}`).toBeDefined();
      expect(() => new model!(object as never).validate(), `${object.kind} ${object.metadata.name}`).not.toThrow();
    }
    expect(() => SECRET_EXAMPLE.validate()).not.toThrow();
    // The validation really validates: a port given as a string is refused.
    const broken = structuredClone(OBJECTS.find((o) => o.kind === 'Service')!) as K8sObject & { spec: { ports: { port: unknown }[] } };
    broken.spec.ports[0]!.port = 'eighty';
    expect(() => new Service(broken as never).validate()).toThrow();
  });

  it.runIf(spawnSync('sh', ['-c', 'command -v kubectl']).status === 0)(
    'render with `kubectl kustomize` (labels and image tags applied)',
    () => {
      const rendered = parseAllDocuments(run(requireTool('kubectl', 'kubectl'), ['kustomize', join(DEPLOY_DIR, 'kubernetes')])).map(
        (d) => d.toJS() as K8sObject & { spec?: { template?: { spec: { containers: { image: string }[] } } } },
      );
      expect(rendered.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(OBJECTS.map((o) => `${o.kind}/${o.metadata.name}`).sort());
      for (const object of rendered)
        expect(object.metadata.labels?.['app.kubernetes.io/part-of'], object.metadata.name).toBe('regionwatch');
      const images = rendered.flatMap((o) => o.spec?.template?.spec.containers.map((c) => c.image) ?? []);
      expect(images.sort()).toEqual(['regionwatch-dashboard:latest', 'regionwatch-worker:latest']);
    },
  );

  it('name only variables the worker and the dashboard read, and every secret key is in the Secret', () => {
    const secretKeys = Object.keys(SECRET_EXAMPLE.stringData ?? {});
    for (const [container, process] of [
      [workerContainer, 'worker'],
      [dashboardContainer, 'dashboard'],
    ] as const) {
      const known = variablesOf(SCHEMAS, process);
      const named = Object.keys(containerEnvironment(container));
      expect(
        named.filter((v) => !known.has(v)),
        `${process}: variables it does not read`,
      ).toEqual([]);
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.secretKeyRef;
        if (ref === undefined) continue;
        expect(ref.name, variable.name).toBe('regionwatch');
        expect(secretKeys, `${process}: secret key ${ref.key}`).toContain(ref.key);
        expect(ref.key, 'a secret key is named after the variable it fills').toBe(variable.name);
      }
    }
    for (const key of secretKeys)
      expect(variablesOf(SCHEMAS, 'worker').has(key) || variablesOf(SCHEMAS, 'dashboard').has(key), key).toBe(true);
  });

  it('require the credentials: Aspose for the worker, basic auth for the dashboard (no optional secret)', () => {
    const required = (container: IContainer) =>
      (container.env ?? []).filter((e) => e.valueFrom?.secretKeyRef && e.valueFrom.secretKeyRef.optional !== true).map((e) => e.name);
    expect(required(workerContainer)).toEqual(expect.arrayContaining(['REDIS_URL', 'ASPOSE_CLIENT_ID', 'ASPOSE_CLIENT_SECRET']));
    expect(required(dashboardContainer)).toEqual(expect.arrayContaining(['REDIS_URL', 'DASHBOARD_USER', 'DASHBOARD_PASSWORD']));
    expect(() => loadWorkerConfig(containerEnvironment(workerContainer))).not.toThrow();
    const dashboardConfig = loadDashboardConfig(containerEnvironment(dashboardContainer));
    expect(dashboardModule.hasCredentials(dashboardConfig)).toBe(true);
  });

  it('use the ports the apps listen on, for the container, the probes, the Service and the scrape annotations', () => {
    const workerConfig = loadWorkerConfig(containerEnvironment(workerContainer));
    expect(portNamed(workerContainer, 'metrics')).toBe(workerConfig.METRICS_PORT);
    for (const probe of [workerContainer.readinessProbe, workerContainer.livenessProbe]) expect(probe?.httpGet?.port).toBe('metrics');
    const annotations = worker.spec!.template.metadata!.annotations!;
    expect(annotations['prometheus.io/port']).toBe(String(workerConfig.METRICS_PORT));
    expect(annotations['prometheus.io/scrape']).toBe('true');

    const dashboardConfig = loadDashboardConfig(containerEnvironment(dashboardContainer));
    expect(portNamed(dashboardContainer, 'http')).toBe(dashboardConfig.DASHBOARD_PORT);
    for (const probe of [dashboardContainer.readinessProbe, dashboardContainer.livenessProbe]) expect(probe?.httpGet?.port).toBe('http');
    const service = find('Service', 'regionwatch-dashboard', Service);
    expect(service.spec!.ports!.map((p) => p.targetPort)).toEqual(['http']);
    expect(dashboard.spec!.template.metadata!.labels).toMatchObject(service.spec!.selector!);
  });

  it('drain within the grace period, spread replicas, and keep all but one through voluntary disruptions', () => {
    const shutdownMs = loadWorkerConfig(containerEnvironment(workerContainer)).SHUTDOWN_TIMEOUT_MS;
    expect(shutdownMs).toBe(DEFAULTS.SHUTDOWN_TIMEOUT_MS);
    expect(worker.spec!.template.spec!.terminationGracePeriodSeconds! * 1000).toBeGreaterThanOrEqual(shutdownMs + 5_000);
    expect(worker.spec!.replicas).toBeGreaterThanOrEqual(2);
    const pdb = find('PodDisruptionBudget', 'regionwatch-worker', PodDisruptionBudget);
    expect(worker.spec!.template.metadata!.labels).toMatchObject(pdb.spec!.selector!.matchLabels!);
    expect(pdb.spec!.maxUnavailable).toBeLessThan(worker.spec!.replicas!);
    for (const deployment of [worker, dashboard]) {
      const pod = deployment.spec!.template.spec!;
      expect(pod.securityContext?.runAsNonRoot, deployment.metadata!.name).toBe(true);
      expect(pod.containers[0]!.resources?.requests, deployment.metadata!.name).toBeDefined();
      expect(pod.containers[0]!.resources?.limits?.memory, deployment.metadata!.name).toBeDefined();
    }
  });

  it('use the images docker/docker-bake.hcl tags (regionwatch-<target>)', () => {
    expect(workerContainer.image).toBe('regionwatch-worker');
    expect(dashboardContainer.image).toBe('regionwatch-dashboard');
    expect(KUSTOMIZATION.images.map((i) => i.name).sort()).toEqual(['regionwatch-dashboard', 'regionwatch-worker']);
  });

  it('come with a scrape config for job regionwatch-worker, accepted by promtool (kubernetes_sd aside), keeping the worker port', () => {
    type ScrapeConfig = {
      job_name: string;
      kubernetes_sd_configs?: unknown;
      relabel_configs: { source_labels?: string[]; regex?: string }[];
    };
    const scrape = readYaml<{ scrape_configs: ScrapeConfig[] }>('kubernetes/prometheus-scrape-config.yaml').scrape_configs[0]!;
    expect(scrape.job_name).toBe('regionwatch-worker');
    const keep = scrape.relabel_configs[0]!;
    expect(keep.source_labels).toEqual(['__meta_kubernetes_pod_label_app_kubernetes_io_name', '__meta_kubernetes_pod_container_port_name']);
    expect(keep.regex).toBe(`${worker.spec!.template.metadata!.labels!['app.kubernetes.io/name']};metrics`);
    // Debian's Prometheus is built without Kubernetes service discovery: check the rest with a static target.
    const { kubernetes_sd_configs: _sd, ...rest } = scrape;
    const dir = mkdtempSync(join(tmpdir(), 'regionwatch-scrape-'));
    try {
      const file = join(dir, 'prometheus.yaml');
      writeFileSync(file, stringify({ scrape_configs: [{ ...rest, static_configs: [{ targets: ['127.0.0.1:9464'] }] }] }));
      expect(run(requireTool('promtool', 'prometheus'), ['check', 'config', file])).toContain('SUCCESS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('served by the apps, started with the environment the manifests give them', () => {
    let simulator: Simulator;
    let running: RunningWorker;
    const closers: (() => Promise<void>)[] = [];
    /** The manifests' environment, pointed at this test's Redis, the simulator and free ports. */
    const testEnvironment = (container: IContainer, overrides: Record<string, string>): NodeJS.ProcessEnv => {
      const { url, prefix } = testRedis('k8s');
      return { ...containerEnvironment(container), REDIS_URL: url, REGIONWATCH_PREFIX: prefix, ...overrides };
    };

    beforeAll(async () => {
      simulator = await startSimulator();
      closers.push(() => simulator.close());
      const config = loadWorkerConfig(
        testEnvironment(workerContainer, {
          ASPOSE_BASE_URL: simulator.url,
          ASPOSE_CLIENT_ID: simulator.credentials.clientId,
          ASPOSE_CLIENT_SECRET: simulator.credentials.clientSecret,
          METRICS_PORT: '0',
        }),
      );
      running = await startWorker({ config, logger: createLogger({ level: 'silent' }), defaultMetrics: false });
      closers.push(() => running.close(5_000));
    });
    afterAll(async () => {
      for (const close of closers.reverse()) await close();
    });

    it("the worker answers 200 on its probes' paths and serves /metrics where the annotation says", async () => {
      const base = `http://127.0.0.1:${running.healthPort}`;
      for (const probe of [workerContainer.readinessProbe!, workerContainer.livenessProbe!]) {
        const response = await fetch(`${base}${probe.httpGet!.path}`, { signal: AbortSignal.timeout(probe.timeoutSeconds! * 1000) });
        expect(response.status, probe.httpGet!.path).toBe(200);
      }
      const metrics = await fetch(`${base}${worker.spec!.template.metadata!.annotations!['prometheus.io/path']}`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('regionwatch_polls_total');
    });

    it('the dashboard answers 200 on its probe path without credentials, and 401 elsewhere without them', async () => {
      const config = loadDashboardConfig(testEnvironment(dashboardContainer, {}));
      const started = await startDashboard({ config, logger: createLogger({ level: 'silent' }), port: 0 });
      closers.push(() => started.close());
      const base = `http://127.0.0.1:${started.port}`;
      for (const probe of [dashboardContainer.readinessProbe!, dashboardContainer.livenessProbe!]) {
        const response = await fetch(`${base}${probe.httpGet!.path}`, { signal: AbortSignal.timeout(probe.timeoutSeconds! * 1000) });
        expect(response.status, probe.httpGet!.path).toBe(200);
      }
      expect((await fetch(`${base}/queues`)).status).toBe(401);
    });

    it("/readyz answers 503 within the readiness probe's timeout when Redis stops answering, /healthz 200 within liveness's", async () => {
      const redis = await spawnRedisServer();
      closers.push(() => redis.stop());
      const config = loadWorkerConfig({
        ...containerEnvironment(workerContainer),
        REDIS_URL: redis.url,
        ASPOSE_BASE_URL: simulator.url,
        ASPOSE_CLIENT_ID: simulator.credentials.clientId,
        ASPOSE_CLIENT_SECRET: simulator.credentials.clientSecret,
        METRICS_PORT: '0',
      });
      const stalled = await startWorker({ config, logger: createLogger({ level: 'silent' }), defaultMetrics: false });
      const base = `http://127.0.0.1:${stalled.healthPort}`;
      // A Redis that accepts connections but never answers (SIGSTOP): the worst case for /readyz's PING.
      redis.process.kill('SIGSTOP');
      try {
        for (const [probe, status] of [
          [workerContainer.readinessProbe!, 503],
          [workerContainer.livenessProbe!, 200],
        ] as const) {
          const started = performance.now();
          const response = await fetch(`${base}${probe.httpGet!.path}`, { signal: AbortSignal.timeout(probe.timeoutSeconds! * 1000) });
          const elapsedMs = performance.now() - started;
          expect(response.status, probe.httpGet!.path).toBe(status);
          expect(elapsedMs, `${probe.httpGet!.path} answered in ${Math.round(elapsedMs)} ms`).toBeLessThan(probe.timeoutSeconds! * 1000);
        }
      } finally {
        redis.process.kill('SIGCONT');
        await stalled.close(5_000);
      }
    });
  });
});
