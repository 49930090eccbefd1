// The deployment files in docker/ checked against the code they deploy, without a Docker engine. The
// parsing is done by libraries: dotenv reads .env.example, yaml reads compose.yaml, ajv validates it
// against the Compose Specification's JSON schema (vendored in docker/schema/), dockerfile-utils lints the
// Dockerfile and dockerfile-ast reads it, hcl2-parser (HashiCorp's HCL parser) reads the bake file, npm
// lists the workspaces and turbo prunes them as the image build does. Compose's `${...}` interpolation is
// the one thing with no JavaScript library (see support/compose-interpolation.ts).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@regionwatch/core';
import { loadConfig, requireAsposeCredentials } from '@regionwatch/core';
import { Ajv } from 'ajv';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate as lintDockerfile, ValidationSeverity } from 'dockerfile-utils';
import { parse as parseDotenv } from 'dotenv';
import hcl from 'hcl2-parser';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { allVariables, configSchemas } from '../src/config-variables.js';
import { REPO_ROOT } from '../src/node-process.js';
import {
  interpolate,
  interpolateDocument,
  interpolationDefaults,
  MissingVariableError,
  referencedVariables,
  type Environment,
} from './support/compose-interpolation.js';

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

// ---------------------------------------------------------------------------------------------------
// What the deployment may name
// ---------------------------------------------------------------------------------------------------

const CONFIG_VARIABLES = allVariables(configSchemas(core));
const CONFIG_DEFAULTS = loadConfig({});

/** The simulator reads its own SIMULATOR_* variables (packages/simulator/src/main.ts). */
const SIMULATOR_SOURCE = read('packages/simulator/src/main.ts');
const SIMULATOR_VARIABLES = new Set([...SIMULATOR_SOURCE.matchAll(/\benv\.(SIMULATOR_[A-Z_]+)/g)].map((m) => m[1]!));
const SIMULATOR_DEFAULT_PORT = Number(/SIMULATOR_PORT', [^,]+, (\d+)\)/.exec(SIMULATOR_SOURCE)?.[1]);

/** Read by docker/compose.yaml only, never by the application; each is documented in docker/.env.example. */
const DOCKER_ONLY_VARIABLES = ['DASHBOARD_HOST_IP', 'DEMO_TASKS'];

const KNOWN_VARIABLES = new Set([...CONFIG_VARIABLES, ...SIMULATOR_VARIABLES, ...DOCKER_ONLY_VARIABLES]);

type Workspace = { name: string; location: string; dependencies?: Record<string, string> };
/** npm's own view of the workspaces (`npm query .workspace`), rather than re-reading the globs. */
const WORKSPACES: Workspace[] = JSON.parse(execFileSync('npm', ['query', '.workspace'], { cwd: REPO_ROOT, encoding: 'utf8' }));
const workspaceNamed = (name: string) => WORKSPACES.find((w) => w.name === name);
const workspaceAt = (location: string) => WORKSPACES.find((w) => w.location === location);

/** The workspaces an app imports at run time: itself and its `dependencies`, transitively. */
function runtimeClosure(name: string): Set<string> {
  const closure = new Set<string>();
  const visit = (n: string) => {
    if (closure.has(n) || workspaceNamed(n) === undefined) return;
    closure.add(n);
    for (const dependency of Object.keys(workspaceNamed(n)?.dependencies ?? {})) visit(dependency);
  };
  visit(name);
  return closure;
}

/** The final images: the workspace each one builds (APP), what it runs, and where its health probe goes. */
const TARGETS = {
  worker: {
    app: '@regionwatch/worker',
    entry: 'apps/worker/dist/main.js',
    probe: { port: 'METRICS_PORT', paths: ['/healthz', '/readyz'] },
  },
  dashboard: {
    app: '@regionwatch/dashboard',
    entry: 'apps/dashboard/dist/main.js',
    probe: { port: 'DASHBOARD_PORT', paths: ['/healthz'] },
  },
  simulator: {
    app: '@regionwatch/simulator',
    entry: 'packages/simulator/dist/main.js',
    probe: { port: 'SIMULATOR_PORT', paths: ['/__simulator/counters'] },
  },
  track: { app: '@regionwatch/producer', entry: 'packages/producer/dist/cli.js', probe: undefined },
} as const;

/** Every `node <workspace>/dist/<file>.js` in a command line. */
function nodeEntryPoints(command: string): { dir: string; file: string }[] {
  return [...command.matchAll(/\bnode(?:\s+--?[\w-]+(?:=\S+)?)*\s+(?:"|')?([\w./-]+)\/dist\/([\w./-]+)\.js\b/g)].map((m) => ({
    dir: m[1]!,
    file: m[2]!,
  }));
}

// ---------------------------------------------------------------------------------------------------
// docker/.env.example and docker/compose.yaml
// ---------------------------------------------------------------------------------------------------

type ComposeService = {
  image?: string;
  build?: { context: string; dockerfile: string; target: string; args?: Record<string, string> };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null>;
  env_file?: string | string[];
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
  profiles?: string[];
  stop_grace_period?: string;
};
type Compose = { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };

const envExampleText = read('docker/.env.example');
/** As shipped: what `cp docker/.env.example docker/.env` gives Compose. */
const envExampleActive: Environment = parseDotenv(envExampleText);
/** Every documented variable: the `# KEY=value` lines show the value in effect while commented out. */
const envExample: Environment = parseDotenv(envExampleText.replace(/^#\s*([A-Z][A-Z0-9_]*=)/gm, '$1'));

const composeText = read('docker/compose.yaml');
const composeRaw = parseYaml(composeText) as Compose;
/** compose.yaml as Compose sees it with a given docker/.env. */
const composeWith = (env: Environment) => interpolateDocument(composeRaw, env);
const compose = composeWith(envExampleActive);

/** A service's container environment: `env_file` (docker/.env), overridden by its interpolated `environment`. */
function containerEnvironment(service: ComposeService, dotEnv: Environment): Record<string, string> {
  const env: Record<string, string> = {};
  if (service.env_file !== undefined) Object.assign(env, dotEnv);
  for (const [key, value] of Object.entries(service.environment ?? {})) env[key] = String(value ?? '');
  return env;
}

describe('Compose interpolation used by these checks (the Compose Specification examples)', () => {
  it.each([
    ['${A:-d}', { A: '' }, 'd'],
    ['${A-d}', { A: '' }, ''],
    ['${A-d}', {}, 'd'],
    ['${A:+r}', { A: 'x' }, 'r'],
    ['${A+r}', { A: '' }, 'r'],
    ['${A:+r}', { A: '' }, ''],
    ['$A/${A}', { A: 'x' }, 'x/x'],
    ['$$A', { A: 'x' }, '$A'],
    ['${A?e}', { A: '' }, ''],
  ])('%s with %j is %j', (text, env: Environment, expected) => {
    expect(interpolate(text, env)).toBe(expected);
  });

  it('refuses a missing required variable with its message', () => {
    expect(() => interpolate('${A:?set A}', { A: '' })).toThrow(MissingVariableError);
    expect(() => interpolate('${A?set A}', {})).toThrow(/A is missing a value: set A/);
  });
});

describe('docker/compose.yaml and docker/.env.example', () => {
  it('is a valid Compose file (the Compose Specification JSON schema) after interpolating .env.example', () => {
    const schema = JSON.parse(read('docker/schema/compose-spec.json')) as Record<string, unknown>;
    expect(schema.$schema).toBe('https://json-schema.org/draft-07/schema');
    // Third-party schema: ajv's strict mode lints schema authoring (union types), not the document.
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validateCompose = ajv.compile({ ...schema, $schema: 'http://json-schema.org/draft-07/schema#' });
    const errors = (document: unknown) => (validateCompose(document) ? [] : (validateCompose.errors ?? []));
    expect(errors(compose).map((e) => `${e.instancePath} ${e.message}`)).toEqual([]);
    // The schema really checks: a misspelt key is an error.
    const misspelt = structuredClone(compose) as Compose & { services: Record<string, Record<string, unknown>> };
    misspelt.services.worker!.stop_grace_perod = '35s';
    expect(errors(misspelt).map((e) => e.instancePath)).toContain('/services/worker');
  });

  it('names only variables the config schemas, the simulator or the documented Docker-only list knows', () => {
    const named = new Set<string>();
    for (const service of Object.values(composeRaw.services)) for (const key of Object.keys(service.environment ?? {})) named.add(key);
    for (const variable of referencedVariables(composeText)) named.add(variable);
    for (const variable of Object.keys(envExample)) named.add(variable);
    const unknown = [...named].filter((v) => !KNOWN_VARIABLES.has(v));
    expect(unknown, 'unknown variables (a typo, or add them to a config schema)').toEqual([]);
    expect(named.size).toBeGreaterThan(10);
  });

  it('.env.example documents every variable of the config schemas and every Docker-only one, each explained by a comment', () => {
    const missing = [...CONFIG_VARIABLES, ...DOCKER_ONLY_VARIABLES].filter((v) => !(v in envExample));
    expect(missing).toEqual([]);
    expect([...CONFIG_VARIABLES]).toEqual(expect.arrayContaining(['WORKER_LOCK_DURATION_MS', 'SHUTDOWN_TIMEOUT_MS', 'METRICS_PORT']));
    for (const paragraph of envExampleText.split(/\n\s*\n/)) {
      const lines = paragraph.split('\n').map((line) => line.trim());
      const variables = lines.filter((line) => /^#?\s*[A-Z][A-Z0-9_]*=/.test(line));
      const explained = lines.some((line) => line.startsWith('#') && !/^#\s*[A-Z][A-Z0-9_]*=/.test(line) && /[a-z]/.test(line));
      if (variables.length > 0) expect(explained, `a comment explains ${variables.join(', ')}`).toBe(true);
    }
  });

  it(".env.example's commented-out values are the defaults really in effect", () => {
    const composeDefaults = interpolationDefaults(composeText);
    const configDefaults = CONFIG_DEFAULTS as unknown as Record<string, string | number | boolean | undefined>;
    let compared = 0;
    for (const [variable, value] of Object.entries(envExample)) {
      if (variable in envExampleActive) continue;
      const fromCompose = composeDefaults.get(variable);
      if (fromCompose !== undefined) {
        expect([...fromCompose], `${variable}: one default in compose.yaml`).toHaveLength(1);
        expect(value, variable).toBe([...fromCompose][0]);
      } else if (CONFIG_VARIABLES.has(variable)) {
        // ASPOSE_TOKEN_URL is derived from ASPOSE_BASE_URL when unset: "unset" is its default.
        const expected = variable === 'ASPOSE_TOKEN_URL' ? undefined : configDefaults[variable];
        expect(value, variable).toBe(expected === undefined ? '' : String(expected));
      } else if (variable === 'SIMULATOR_PORT') {
        expect(Number(value)).toBe(SIMULATOR_DEFAULT_PORT);
      } else continue;
      compared++;
    }
    expect(compared).toBeGreaterThan(20);
  });

  it('.env.example, as shipped and with every commented-out default, is a valid configuration', () => {
    expect(() => loadConfig({ ...envExampleActive })).not.toThrow();
    expect(() => loadConfig({ ...envExample })).not.toThrow();
  });

  it('after `cp docker/.env.example docker/.env` the demo starts: worker with credentials, dashboard reachable', () => {
    const worker = loadConfig(containerEnvironment(compose.services.worker!, envExampleActive));
    expect(() => requireAsposeCredentials(worker)).not.toThrow();
    expect(worker.REDIS_URL).toBe('redis://redis:6379');
    expect(worker.ASPOSE_BASE_URL).toBe('http://simulator:8089');
    expect(worker.ASPOSE_TOKEN_URL).toBe('http://simulator:8089/connect/token');
    // ASPOSE_BASE_URL's default is the simulator service on the port it listens on in its container.
    const simulatorEnv = compose.services.simulator!.environment!;
    expect(simulatorEnv.SIMULATOR_HOST).toBe('0.0.0.0');
    expect(String(simulatorEnv.SIMULATOR_PORT)).toBe(new URL(worker.ASPOSE_BASE_URL).port);
    expect(compose.services.simulator!.profiles).toEqual(['demo']);

    const dashboard = loadConfig(containerEnvironment(compose.services.dashboard!, envExampleActive));
    expect(dashboard.DASHBOARD_USER).toBeTruthy();
    expect(dashboard.DASHBOARD_PASSWORD).toBeTruthy();
    // The published port's container side is the port the dashboard listens on.
    expect(compose.services.dashboard!.ports!.map((p) => p.split(':').at(-1))).toEqual([String(dashboard.DASHBOARD_PORT)]);
  });

  it('refuses to run the dashboard without credentials instead of publishing a loopback-only listener', () => {
    const { DASHBOARD_PASSWORD: _dropped, ...withoutPassword } = envExampleActive;
    expect(() => composeWith(withoutPassword)).toThrow(/DASHBOARD_PASSWORD/);
  });

  it('never turns an unset RESULTS_QUEUE into an empty one (which would disable the results queue)', () => {
    for (const [name, service] of Object.entries(composeRaw.services)) {
      const value = service.environment?.RESULTS_QUEUE;
      if (value !== undefined) expect(interpolate(String(value), {}), name).not.toBe('');
    }
  });

  it('runs 3 worker replicas with a drain window longer than SHUTDOWN_TIMEOUT_MS and no host port', () => {
    const worker = compose.services.worker!;
    expect(worker.deploy?.replicas).toBe(3);
    expect(worker.ports).toBeUndefined();
    expect(worker.depends_on?.redis?.condition).toBe('service_healthy');
    const grace = /^(\d+)s$/.exec(worker.stop_grace_period ?? '');
    expect(grace, 'stop_grace_period in seconds').not.toBeNull();
    const shutdownMs = Number(worker.environment?.SHUTDOWN_TIMEOUT_MS ?? CONFIG_DEFAULTS.SHUTDOWN_TIMEOUT_MS);
    expect(shutdownMs).toBe(CONFIG_DEFAULTS.SHUTDOWN_TIMEOUT_MS);
    expect(Number(grace![1]) * 1000).toBeGreaterThanOrEqual(shutdownMs + 5_000);
  });

  it('runs Redis with AOF persistence, noeviction, a volume and a redis-cli ping healthcheck', () => {
    const redis = compose.services.redis!;
    const command = Array.isArray(redis.command) ? redis.command.join(' ') : (redis.command ?? '');
    expect(redis.image).toMatch(/^redis:7/);
    expect(command).toMatch(/--appendonly yes\b/);
    expect(command).toMatch(/--maxmemory-policy noeviction\b/);
    expect(redis.healthcheck?.test.join(' ')).toMatch(/redis-cli ping/);
    expect(Object.keys(compose.volumes ?? {})).toContain('redis-data');
    for (const service of Object.values(compose.services)) if (service.env_file !== undefined) expect(service.env_file).toBe('.env');
  });

  it('builds every service from docker/Dockerfile (context: the repository root) for a final stage, with the APP it needs', () => {
    let built = 0;
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.build === undefined) continue;
      built++;
      expect(service.build.context, name).toBe('..');
      expect(service.build.dockerfile, name).toBe('docker/Dockerfile');
      const target = TARGETS[service.build.target as keyof typeof TARGETS];
      expect(target, `${name} targets one of ${Object.keys(TARGETS).join(', ')}`).toBeDefined();
      expect(service.build.args?.APP, `${name}: APP for target ${service.build.target}`).toBe(target.app);
    }
    expect(built).toBe(5);
    expect(['worker', 'dashboard', 'simulator'].map((s) => compose.services[s]!.build!.target)).toEqual([
      'worker',
      'dashboard',
      'simulator',
    ]);
  });

  it('starts only workspace entry points that exist', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      const words = [service.entrypoint ?? [], service.command ?? []].flat().join(' ');
      for (const { dir, file } of nodeEntryPoints(words)) {
        expect(workspaceAt(dir), `${name}: ${dir} is a workspace`).toBeDefined();
        expect(existsSync(join(REPO_ROOT, dir, 'src', `${file}.ts`)), `${name}: ${dir}/src/${file}.ts`).toBe(true);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// docker/Dockerfile and docker/docker-bake.hcl
// ---------------------------------------------------------------------------------------------------

const dockerfileText = read('docker/Dockerfile');
const dockerfile = DockerfileParser.parse(dockerfileText);
type Stage = { name: string; from: string; instructions: Instruction[] };
/** Stages in order, each with its own instructions (dockerfile-ast groups them by FROM). */
const stages: Stage[] = dockerfile.getFROMs().map((from) => {
  const image = dockerfile.getContainingImage(from.getRange().start)!;
  return { name: from.getBuildStage() ?? '', from: from.getImage() ?? '', instructions: image.getInstructions().slice(1) };
});
const stageNamed = (name: string) => stages.find((s) => s.name === name);
const globalArgs = new Map(dockerfile.getInitialARGs().map((arg) => [arg.getProperty()!.getName(), arg.getProperty()!.getValue()]));
const keyword = (i: Instruction) => i.getKeyword();
/** An instruction's arguments, flags included, as one line. */
const args = (i: Instruction) =>
  i
    .getTextContent()
    .slice(i.getInstruction().length)
    .replace(/\\\r?\n/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** Exec-form arguments (`["a", "b"]`); Docker would silently run anything else through a shell. */
function execForm(text: string): string[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) throw new Error(`not an exec-form array: ${text}`);
  return parsed;
}

/** The stage and those it is built FROM, base first. */
function chainOf(stage: Stage): Stage[] {
  const chain: Stage[] = [];
  for (let s: Stage | undefined = stage; s; s = stageNamed(s.from)) chain.unshift(s);
  return chain;
}

describe('docker/Dockerfile', () => {
  it('passes dockerfile-utils (the VS Code Docker language server linter) with every rule an error', () => {
    const error = ValidationSeverity.ERROR;
    const diagnostics = lintDockerfile(dockerfileText, {
      deprecatedMaintainer: error,
      directiveCasing: error,
      emptyContinuationLine: error,
      instructionCasing: error,
      instructionCmdMultiple: error,
      instructionEntrypointMultiple: error,
      instructionHealthcheckMultiple: error,
      instructionJSONInSingleQuotes: error,
      instructionWorkdirRelative: error,
    });
    expect(diagnostics.map((d) => `line ${d.range.start.line + 1}: ${JSON.stringify(d.message)}`)).toEqual([]);
    // The linter really lints: a misspelt flag and an unknown instruction are errors.
    expect(lintDockerfile('FROM node:20 AS a\nCOPY --form=a x y\nRUNN true\n').length).toBe(2);
  });

  it('has named stages built from images or earlier stages, and copies only from earlier stages', () => {
    expect(dockerfile.getDirectives().map((d) => `${d.getName()}=${d.getValue()}`)).toEqual(['syntax=docker/dockerfile:1']);
    const seen = new Set<string>();
    for (const stage of stages) {
      expect(stage.name, 'every FROM names its stage').toMatch(/^[a-z][a-z0-9-]*$/);
      const from = stage.from.replace(/\$\{(\w+)\}/g, (_, arg: string) => globalArgs.get(arg) ?? `<undeclared ARG ${arg}>`);
      if (!seen.has(from)) expect(from, `${stage.name} starts from an image or an earlier stage`).toMatch(/^[a-z0-9./-]+:[\w.-]+$/);
      for (const instruction of stage.instructions) {
        const copyFrom = keyword(instruction) === 'COPY' ? /--from=(\S+)/.exec(args(instruction)) : null;
        if (copyFrom) expect(seen.has(copyFrom[1]!), `${stage.name}: COPY --from=${copyFrom[1]} is an earlier stage`).toBe(true);
        if (['CMD', 'ENTRYPOINT'].includes(keyword(instruction))) expect(() => execForm(args(instruction))).not.toThrow();
        if (keyword(instruction) === 'ARG')
          expect(globalArgs.has(args(instruction)), `ARG ${args(instruction)} is declared globally`).toBe(true);
      }
      seen.add(stage.name);
    }
  });

  it('pins npm to packageManager and turbo to the lockfile', () => {
    const manifest = JSON.parse(read('package.json')) as { packageManager: string };
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version?: string }> };
    expect(`npm@${globalArgs.get('NPM_VERSION')}`).toBe(manifest.packageManager);
    expect(globalArgs.get('TURBO_VERSION')).toBe(lock.packages['node_modules/turbo']?.version);
  });

  it('is one chain parametrized by APP: prune, build and runtime deps of ${APP}, then one final stage per target', () => {
    const runs = (name: string) =>
      stageNamed(name)!
        .instructions.filter((i) => keyword(i) === 'RUN')
        .map(args);
    expect(globalArgs.has('APP') && globalArgs.get('APP')).toBe(null); // declared, with no default
    expect(runs('pruner').join(' ')).toContain('turbo prune "${APP}" --docker --out-dir /out/build');
    expect(runs('pruner').join(' ')).toContain('turbo prune "${APP}" --docker --production --out-dir /out/runtime');
    expect(runs('builder').join(' ')).toContain('turbo run build --filter="${APP}"');
    expect(runs('deps').join(' ')).toContain('npm ci --omit=dev');
    // Exactly four stages are final images; every other stage is part of the one chain.
    const used = new Set(stages.flatMap((s) => [s.from, ...s.instructions.map((i) => /--from=(\S+)/.exec(args(i))?.[1] ?? '')]));
    expect(stages.filter((s) => !used.has(s.name)).map((s) => s.name)).toEqual(Object.keys(TARGETS));
    expect(stages.filter((s) => /turbo prune/.test(s.instructions.map(args).join(' ')))).toHaveLength(1);
  });

  it("the runtime prune (what the image copies dist/ and node_modules from) is each app's runtime workspaces, no test helpers", () => {
    const out = mkdtempSync(join(tmpdir(), 'regionwatch-prune-'));
    try {
      for (const { app } of Object.values(TARGETS)) {
        const dir = join(out, app.replace('/', '-'));
        execFileSync('npx', ['turbo', 'prune', app, '--docker', '--production', '--out-dir', dir], { cwd: REPO_ROOT, stdio: 'ignore' });
        const pruned = new Set(WORKSPACES.filter((w) => existsSync(join(dir, 'json', w.location, 'package.json'))).map((w) => w.name));
        expect(pruned, app).toEqual(runtimeClosure(app));
        expect(pruned.has('@regionwatch/testkit')).toBe(false);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  for (const [target, app] of Object.entries(TARGETS)) {
    describe(`target ${target}`, () => {
      const stage = () => stageNamed(target) ?? expect.fail(`no final stage named ${target}`);

      it('runs as node with tini as PID 1, NODE_ENV=production, on node 20 bookworm-slim, installing nothing', () => {
        const chain = chainOf(stage());
        expect(chain.map((s) => s.name)).toEqual(['runtime-base', 'app', target]);
        expect(chain[0]!.from.replace('${NODE_VERSION}', globalArgs.get('NODE_VERSION')!)).toBe('node:20-bookworm-slim');
        const all = chain.flatMap((s) => s.instructions);
        expect(all.filter((i) => keyword(i) === 'USER').map(args)).toEqual(['node']);
        expect(all.some((i) => keyword(i) === 'ENV' && /\bNODE_ENV=production\b/.test(args(i)))).toBe(true);
        expect(execForm(args(all.filter((i) => keyword(i) === 'ENTRYPOINT').at(-1)!)).slice(0, 2)).toEqual(['/usr/bin/tini', '--']);
        // After USER node nothing runs: the image's code stays root-owned and read-only to the app.
        const afterUser = all.slice(all.findIndex((i) => keyword(i) === 'USER'));
        expect(afterUser.filter((i) => keyword(i) === 'RUN')).toEqual([]);
        expect(stageNamed('app')!.instructions.map(args)).toEqual(['--from=deps /app/ ./', '--from=builder /out/dist/ ./']);
      });

      it(`starts ${app.entry}, built from that workspace's src, and fails the build when APP names another workspace`, () => {
        const entry = stage()
          .instructions.filter((i) => ['ENTRYPOINT', 'CMD'].includes(keyword(i)))
          .map((i) => execForm(args(i)).join(' '))
          .join(' ');
        const points = nodeEntryPoints(entry);
        expect(points.map((p) => `${p.dir}/dist/${p.file}.js`)).toEqual([app.entry]);
        expect(workspaceAt(points[0]!.dir)?.name).toBe(app.app);
        expect(existsSync(join(REPO_ROOT, points[0]!.dir, 'src', `${points[0]!.file}.ts`))).toBe(true);
        // The guard: its entry point copied once more from the builder (a build error if it is missing).
        expect(args(stage().instructions[0]!)).toBe(`--from=builder /out/dist/${app.entry} ${app.entry}`);
      });

      if (app.probe !== undefined) {
        const probe = app.probe;
        it(`has a HEALTHCHECK on ${probe.paths.join(' or ')} at ${probe.port}, which defaults like the app`, () => {
          const healthchecks = stage().instructions.filter((i) => keyword(i) === 'HEALTHCHECK');
          expect(healthchecks).toHaveLength(1);
          const command = execForm(/\bCMD\s+(\[.*\])$/s.exec(args(healthchecks[0]!))?.[1] ?? 'null');
          expect(command.slice(0, 2)).toEqual(['node', '-e']);
          const script = command[2]!;
          const url = /fetch\('http:\/\/127\.0\.0\.1:' \+ \(process\.env\.([A-Z_]+) \|\| (\d+)\) \+ '([^']+)'/.exec(script);
          expect(url, script).not.toBeNull();
          expect(url![1]).toBe(probe.port);
          expect(probe.paths).toContain(url![3]);
          const defaultPort = probe.port === 'SIMULATOR_PORT' ? SIMULATOR_DEFAULT_PORT : CONFIG_DEFAULTS[probe.port];
          expect(Number(url![2])).toBe(defaultPort);
          expect(script).toMatch(/process\.exit\(r\.ok \? 0 : 1\), \(\) => process\.exit\(1\)/);
        });
      }
    });
  }

  it('docker-bake.hcl builds each final stage with the APP compose.yaml gives it', () => {
    const [parsed, error] = hcl.parseToObject(read('docker/docker-bake.hcl')) as [BakeFile, unknown];
    expect(error).toBeNull();
    const image = parsed.target.image![0]!;
    expect(image).toMatchObject({ context: '.', dockerfile: 'docker/Dockerfile', target: '${item.target}', args: { APP: '${item.app}' } });
    const matrix = Object.fromEntries(image.matrix.item.map((item) => [item.target, item.app]));
    expect(matrix).toEqual(Object.fromEntries(Object.entries(TARGETS).map(([target, { app }]) => [target, app])));
    expect(parsed.group.default![0]!.targets).toEqual(['image']);
  });

  it("keeps the host's node_modules, dist and secrets out of the build context", () => {
    const ignore = read('docker/Dockerfile.dockerignore')
      .split('\n')
      .map((line) => line.trim());
    for (const pattern of ['**/node_modules', '**/dist', '**/.env', '.git']) expect(ignore).toContain(pattern);
  });
});

type BakeFile = {
  group: Record<string, { targets: string[] }[]>;
  target: Record<string, { context: string; matrix: { item: { target: string; app: string }[] } }[]>;
};
