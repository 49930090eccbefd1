// The deployment files in docker/ checked against the code they deploy, without a Docker engine:
// compose.yaml and .env.example name only variables the config knows (and document all of them), the
// Dockerfile prunes, builds and starts workspaces that exist, copies every workspace an app imports at
// run time, and probes the health endpoints of the contract.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema, loadConfig, requireAsposeCredentials } from '@regionwatch/core';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

// ---------------------------------------------------------------------------------------------------
// What the deployment may name
// ---------------------------------------------------------------------------------------------------

const CONFIG_VARIABLES = Object.keys(configSchema.in.shape);
const CONFIG_DEFAULTS = configSchema.parse({});

/** The simulator reads its own SIMULATOR_* variables (packages/simulator/src/main.ts). */
const SIMULATOR_VARIABLES = [
  ...new Set([...read('packages/simulator/src/main.ts').matchAll(/\benv\.(SIMULATOR_[A-Z_]+)/g)].map((m) => m[1]!)),
];

const SIMULATOR_DEFAULT_PORT = Number(/SIMULATOR_PORT', [^,]+, (\d+)\)/.exec(read('packages/simulator/src/main.ts'))?.[1]);

/** Read by docker/compose.yaml only, never by the application; each is documented in docker/.env.example. */
const DOCKER_ONLY_VARIABLES = ['DASHBOARD_HOST_IP', 'DEMO_TASKS'];

const KNOWN_VARIABLES = new Set([...CONFIG_VARIABLES, ...SIMULATOR_VARIABLES, ...DOCKER_ONLY_VARIABLES]);

/** The contract's probe endpoints (shared/contract.md, "HTTP endpoints"). */
const CONTRACT_HEALTH_PATHS = ['/healthz', '/readyz'];

type Workspace = { name: string; dir: string; manifest: { dependencies?: Record<string, string> } };

function workspaces(): Map<string, Workspace> {
  const globs = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;
  const dirs = globs.flatMap((glob) => {
    if (!glob.includes('*')) return [glob];
    if (!glob.endsWith('/*') || glob.slice(0, -2).includes('*')) throw new Error(`unsupported workspace glob ${glob}`);
    const parent = glob.slice(0, -2);
    return readdirSync(join(root, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${parent}/${entry.name}`);
  });
  const found = new Map<string, Workspace>();
  for (const dir of dirs) {
    if (!existsSync(join(root, dir, 'package.json'))) continue;
    const manifest = JSON.parse(read(`${dir}/package.json`)) as Workspace['manifest'] & { name: string };
    found.set(manifest.name, { name: manifest.name, dir, manifest });
  }
  return found;
}

/** The workspaces an app imports at run time: itself and its `dependencies`, transitively. */
function runtimeClosure(name: string, all: Map<string, Workspace>): Set<string> {
  const closure = new Set<string>();
  const visit = (n: string) => {
    if (closure.has(n)) return;
    closure.add(n);
    for (const dependency of Object.keys(all.get(n)?.manifest.dependencies ?? {})) if (all.has(dependency)) visit(dependency);
  };
  visit(name);
  return closure;
}

// ---------------------------------------------------------------------------------------------------
// A small Dockerfile parser: enough to check instructions, stages and their references
// ---------------------------------------------------------------------------------------------------

const INSTRUCTIONS = new Set([
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
]);

type Instruction = { keyword: string; args: string; line: number };
type Stage = { name: string; from: string; instructions: Instruction[] };
type Dockerfile = { globalArgs: Map<string, string>; stages: Stage[] };

function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    // Comments (and parser directives) are whole lines; inside a continuation they are skipped too.
    if (/^\s*#/.test(line)) return;
    if (pending === undefined && line.trim() === '') return;
    const continues = line.endsWith('\\');
    const part = continues ? line.slice(0, -1) : line;
    pending =
      pending === undefined ? { text: part.trim(), line: index + 1 } : { text: `${pending.text} ${part.trim()}`, line: pending.line };
    if (continues) return;
    const match = /^(\S+)\s*(.*)$/.exec(pending.text);
    if (match === null) throw new Error(`line ${pending.line}: cannot parse`);
    instructions.push({ keyword: match[1]!, args: match[2]!, line: pending.line });
    pending = undefined;
  });
  if (pending !== undefined) throw new Error(`line ${pending.line}: the file ends inside a line continuation`);

  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword !== instruction.keyword.toUpperCase() || !INSTRUCTIONS.has(instruction.keyword)) {
      throw new Error(`line ${instruction.line}: unknown instruction ${instruction.keyword}`);
    }
    if (instruction.keyword === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)\s+AS\s+([a-z][a-z0-9._-]*)$/.exec(instruction.args);
      if (from === null) throw new Error(`line ${instruction.line}: every FROM here names its stage (FROM image AS name)`);
      stages.push({ from: from[1]!, name: from[2]!, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`line ${instruction.line}: only ARG may come before the first FROM`);
      const [key, value = ''] = instruction.args.split('=', 2);
      globalArgs.set(key!, value);
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** Exec-form arguments (`["a", "b"]`); Docker would silently run invalid JSON as a shell command. */
function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) throw new Error(`not an exec-form array: ${args}`);
  return parsed;
}

function healthcheckCommand(stage: Stage): string[] | undefined {
  const healthcheck = stage.instructions.find((i) => i.keyword === 'HEALTHCHECK');
  if (healthcheck === undefined) return undefined;
  const cmd = /^(?:--[a-z-]+=\S+\s+)*CMD\s+(\[.*\])$/.exec(healthcheck.args);
  if (cmd === null) throw new Error(`line ${healthcheck.line}: HEALTHCHECK must be --options CMD ["exec", "form"]`);
  return execForm(cmd[1]!);
}

/** Every `node <workspace>/dist/<file>.js` in a command line. */
function nodeEntryPoints(command: string): { dir: string; file: string }[] {
  return [...command.matchAll(/\bnode(?:\s+--?[\w-]+(?:=\S+)?)*\s+(?:"|')?([\w./-]+)\/dist\/([\w./-]+)\.js\b/g)].map((m) => ({
    dir: m[1]!,
    file: m[2]!,
  }));
}

// ---------------------------------------------------------------------------------------------------
// Compose interpolation (the subset the file uses) and .env files
// ---------------------------------------------------------------------------------------------------

type ComposeService = {
  image?: string;
  build?: { context: string; dockerfile: string; target: string };
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

/** `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, and `$$` (a literal `$`). */
const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

function referencedVariables(text: string): string[] {
  return [...text.matchAll(REFERENCE)].flatMap((m) => (m[0] === '$$' ? [] : [m[1] ?? m[4]!]));
}

function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(
    REFERENCE,
    (whole, braced: string | undefined, operator: string | undefined, operand: string | undefined, bare: string | undefined) => {
      if (whole === '$$') return '$';
      const name = braced ?? bare!;
      const current = env[name];
      const missing = operator?.startsWith(':') ? current === undefined || current === '' : current === undefined;
      if (operator?.endsWith('-')) return missing ? (operand ?? '') : current!;
      if (operator?.endsWith('?') && missing) throw new Error(`${name}: ${operand}`);
      return current ?? '';
    },
  );
}

/** KEY=VALUE lines of a .env file; with `includeCommented`, `# KEY=VALUE` lines count too. */
function dotenv(text: string, includeCommented: boolean): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = (includeCommented ? /^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/ : /^([A-Z][A-Z0-9_]*)=(.*)$/).exec(line.trim());
    if (match) entries.set(match[1]!, match[2]!);
  }
  return entries;
}

/** A service's container environment as Compose would make it from docker/.env = .env.example. */
function containerEnvironment(service: ComposeService, dotEnv: Map<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  if (service.env_file !== undefined) for (const [key, value] of dotEnv) env[key] = value;
  for (const [key, value] of Object.entries(service.environment ?? {}))
    env[key] = interpolate(String(value ?? ''), Object.fromEntries(dotEnv));
  return env;
}

// ---------------------------------------------------------------------------------------------------

const composeText = read('docker/compose.yaml');
const compose = parseYaml(composeText) as Compose;
const envExampleText = read('docker/.env.example');
const envExample = dotenv(envExampleText, true);
const envExampleActive = dotenv(envExampleText, false);
let parsedDockerfile: Dockerfile | undefined;
/** Parsed on first use: a syntax error then fails the tests with its line number, not the file's collection. */
const dockerfile = (): Dockerfile => (parsedDockerfile ??= parseDockerfile(read('docker/Dockerfile')));
const stageNamed = (name: string): Stage | undefined => dockerfile().stages.find((stage) => stage.name === name);
const allWorkspaces = workspaces();
const workspaceByDir = new Map([...allWorkspaces.values()].map((w) => [w.dir, w]));

/** The final images, the app each one runs and where its health probe must go. */
const TARGETS = {
  worker: {
    workspace: '@regionwatch/worker',
    entry: 'apps/worker/dist/main.js',
    probe: { port: 'METRICS_PORT', paths: CONTRACT_HEALTH_PATHS },
  },
  dashboard: {
    workspace: '@regionwatch/dashboard',
    entry: 'apps/dashboard/dist/main.js',
    probe: { port: 'DASHBOARD_PORT', paths: ['/healthz'] },
  },
  simulator: {
    workspace: '@regionwatch/simulator',
    entry: 'packages/simulator/dist/main.js',
    probe: { port: 'SIMULATOR_PORT', paths: ['/__simulator/counters'] },
  },
  track: { workspace: '@regionwatch/producer', entry: 'packages/producer/dist/cli.js', probe: undefined },
} as const;

describe('docker/compose.yaml and docker/.env.example', () => {
  it('name only variables the config schema, the simulator or the documented Docker-only list knows', () => {
    const named = new Set<string>();
    for (const service of Object.values(compose.services)) for (const key of Object.keys(service.environment ?? {})) named.add(key);
    for (const variable of referencedVariables(composeText)) named.add(variable);
    for (const variable of envExample.keys()) named.add(variable);
    const unknown = [...named].filter((v) => !KNOWN_VARIABLES.has(v));
    expect(unknown, 'unknown variables (a typo, or add them to the config schema)').toEqual([]);
    expect(named.size).toBeGreaterThan(10);
  });

  it('.env.example documents every variable of the config schema and every Docker-only one', () => {
    const missing = [...CONFIG_VARIABLES, ...DOCKER_ONLY_VARIABLES].filter((v) => !envExample.has(v));
    expect(missing).toEqual([]);
    expect(CONFIG_VARIABLES).toEqual(
      expect.arrayContaining(['WORKER_LOCK_DURATION_MS', 'SHUTDOWN_TIMEOUT_MS', 'WEBHOOK_TIMEOUT_MS', 'WEBHOOK_ALLOW_PRIVATE']),
    );
    // Every variable sits in a paragraph that explains it (a comment line that is not a KEY= line).
    for (const paragraph of envExampleText.split(/\n\s*\n/)) {
      const lines = paragraph.split('\n').map((line) => line.trim());
      const variables = lines.filter((line) => /^#?\s*[A-Z][A-Z0-9_]*=/.test(line));
      const explained = lines.some((line) => line.startsWith('#') && !/^#\s*[A-Z][A-Z0-9_]*=/.test(line) && /[a-z]/.test(line));
      if (variables.length > 0) expect(explained, `a comment explains ${variables.join(', ')}`).toBe(true);
    }
  });

  it(".env.example's commented-out values are the defaults really in effect", () => {
    const composeDefaults = new Map<string, Set<string>>();
    for (const m of composeText.matchAll(/\$\{([A-Z_][A-Z0-9_]*):?-([^}]*)\}/g)) {
      composeDefaults.set(m[1]!, (composeDefaults.get(m[1]!) ?? new Set()).add(m[2]!));
    }
    const schemaDefaults = configSchema.in.parse({}) as Record<string, string | number | boolean | undefined>;
    for (const [variable, value] of envExample) {
      if (envExampleActive.has(variable)) continue;
      const fromCompose = composeDefaults.get(variable);
      if (fromCompose !== undefined) {
        expect([...fromCompose], `${variable}: one default in compose.yaml`).toHaveLength(1);
        expect(value, variable).toBe([...fromCompose][0]);
      } else if (CONFIG_VARIABLES.includes(variable)) {
        expect(value, variable).toBe(String(schemaDefaults[variable] ?? ''));
      } else if (variable === 'SIMULATOR_PORT') {
        expect(Number(value)).toBe(SIMULATOR_DEFAULT_PORT);
      }
    }
  });

  it('.env.example, as shipped and with every commented-out default, is a valid configuration', () => {
    expect(() => loadConfig(Object.fromEntries(envExampleActive))).not.toThrow();
    expect(() => loadConfig(Object.fromEntries(envExample))).not.toThrow();
  });

  it('after `cp docker/.env.example docker/.env` the demo configuration starts: worker with credentials, dashboard reachable', () => {
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
    const published = compose.services.dashboard!.ports!.map((p) => p.split(':').at(-1));
    expect(published).toEqual([String(dashboard.DASHBOARD_PORT)]);
  });

  it('refuses to run the dashboard without credentials instead of publishing a loopback-only listener', () => {
    const withoutPassword = new Map([...envExampleActive].filter(([key]) => key !== 'DASHBOARD_PASSWORD'));
    expect(() => containerEnvironment(compose.services.dashboard!, withoutPassword)).toThrow(/DASHBOARD_PASSWORD/);
  });

  it('never turns an unset RESULTS_QUEUE into an empty one (which would disable the results queue)', () => {
    for (const [name, service] of Object.entries(compose.services)) {
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
    const shutdownMs = Number(interpolate(String(worker.environment?.SHUTDOWN_TIMEOUT_MS ?? CONFIG_DEFAULTS.SHUTDOWN_TIMEOUT_MS), {}));
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

  it('builds every service from docker/Dockerfile with the repository root as context, targeting a stage that exists', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.build === undefined) continue;
      expect(service.build.context, name).toBe('..');
      expect(service.build.dockerfile, name).toBe('docker/Dockerfile');
      expect(stageNamed(service.build.target) !== undefined, `${name} targets ${service.build.target}`).toBe(true);
    }
    expect(compose.services.worker!.build!.target).toBe('worker');
    expect(compose.services.dashboard!.build!.target).toBe('dashboard');
    expect(compose.services.simulator!.build!.target).toBe('simulator');
  });

  it('starts only workspace entry points that exist', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      const words = [service.entrypoint ?? [], service.command ?? []].flat().join(' ');
      for (const { dir, file } of nodeEntryPoints(words)) {
        expect(workspaceByDir.has(dir), `${name}: ${dir} is a workspace`).toBe(true);
        expect(existsSync(join(root, dir, 'src', `${file}.ts`)), `${name}: ${dir}/src/${file}.ts`).toBe(true);
      }
    }
  });
});

describe('docker/Dockerfile', () => {
  it('parses: known instructions, named stages, references to earlier stages or images only', () => {
    expect(dockerfile().stages.length).toBeGreaterThan(4);
    const seen = new Set<string>();
    for (const stage of dockerfile().stages) {
      expect(seen.has(stage.name), `stage ${stage.name} is defined once`).toBe(false);
      const from = stage.from.replace(/\$\{(\w+)\}/g, (_, arg: string) => {
        expect(dockerfile().globalArgs.has(arg), `ARG ${arg} is declared before the first FROM`).toBe(true);
        return dockerfile().globalArgs.get(arg)!;
      });
      if (!seen.has(from)) expect(from, `${stage.name} starts from an image or an earlier stage`).toMatch(/^[a-z0-9./-]+:[\w.-]+$/);
      for (const instruction of stage.instructions) {
        const copyFrom = /--from=(\S+)/.exec(instruction.args);
        if (instruction.keyword === 'COPY' && copyFrom)
          expect(seen.has(copyFrom[1]!), `line ${instruction.line}: --from=${copyFrom[1]} is an earlier stage`).toBe(true);
        if (['CMD', 'ENTRYPOINT'].includes(instruction.keyword))
          expect(() => execForm(instruction.args), `line ${instruction.line}`).not.toThrow();
        const stageArg = /^(\w+)$/.exec(instruction.keyword === 'ARG' ? instruction.args : '');
        if (stageArg)
          expect(dockerfile().globalArgs.has(stageArg[1]!), `line ${instruction.line}: ARG ${stageArg[1]} has a global default`).toBe(true);
      }
      healthcheckCommand(stage);
      seen.add(stage.name);
    }
  });

  it('pins npm to packageManager and turbo to the lockfile', () => {
    const manifest = JSON.parse(read('package.json')) as { packageManager: string };
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version?: string }> };
    expect(`npm@${dockerfile().globalArgs.get('NPM_VERSION')}`).toBe(manifest.packageManager);
    expect(dockerfile().globalArgs.get('TURBO_VERSION')).toBe(lock.packages['node_modules/turbo']?.version);
  });

  it('prunes and builds only workspaces that exist', () => {
    const runs = dockerfile()
      .stages.flatMap((stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args))
      .join('\n');
    const named = [...runs.matchAll(/turbo prune (\S+)/g), ...runs.matchAll(/--filter=(\S+)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(0);
    for (const name of named) expect(allWorkspaces.has(name), `${name} is a workspace`).toBe(true);
  });

  for (const [target, app] of Object.entries(TARGETS)) {
    describe(`target ${target}`, () => {
      const stage = () => {
        const found = stageNamed(target);
        if (found === undefined) throw new Error(`no final stage named ${target}`);
        return found;
      };
      const ws = () => {
        const found = allWorkspaces.get(app.workspace);
        if (found === undefined) throw new Error(`${app.workspace} is not a workspace`);
        return found;
      };

      it('runs as node with tini as PID 1, NODE_ENV=production, on node 20 bookworm-slim', () => {
        const chain: Stage[] = [];
        for (let s: Stage | undefined = stage(); s; s = stageNamed(s.from)) chain.unshift(s);
        expect(chain[0]!.from.replace('${NODE_VERSION}', dockerfile().globalArgs.get('NODE_VERSION')!)).toBe('node:20-bookworm-slim');
        const all = chain.flatMap((s) => s.instructions);
        expect(all.filter((i) => i.keyword === 'USER').at(-1)?.args).toBe('node');
        expect(all.some((i) => i.keyword === 'ENV' && /\bNODE_ENV=production\b/.test(i.args))).toBe(true);
        expect(execForm(all.filter((i) => i.keyword === 'ENTRYPOINT').at(-1)!.args).slice(0, 2)).toEqual(['/usr/bin/tini', '--']);
        // Nothing after USER node runs as root or installs anything in the final image.
        expect(stage().instructions.some((i) => i.keyword === 'RUN' || i.keyword === 'USER')).toBe(false);
      });

      it(`starts ${app.entry}, built from that workspace's src`, () => {
        const instructions = stage().instructions;
        const entry = instructions
          .filter((i) => i.keyword === 'ENTRYPOINT' || i.keyword === 'CMD')
          .map((i) => execForm(i.args).join(' '))
          .join(' ');
        const points = nodeEntryPoints(entry);
        expect(points.map((p) => `${p.dir}/dist/${p.file}.js`)).toEqual([app.entry]);
        expect(points[0]!.dir).toBe(ws().dir);
        expect(existsSync(join(root, ws().dir, 'src', `${points[0]!.file}.ts`)), `${ws().dir}/src/${points[0]!.file}.ts exists`).toBe(true);
      });

      it('is pruned and built for that workspace, and copies the dist of every workspace it imports at run time', () => {
        const pruner = stageNamed(`${target}-pruner`);
        const builder = stageNamed(`${target}-builder`);
        expect(pruner?.instructions.map((i) => i.args).join(' ')).toContain(`turbo prune ${app.workspace} --docker --out-dir`);
        expect(pruner?.instructions.map((i) => i.args).join(' ')).toContain(`turbo prune ${app.workspace} --docker --production`);
        expect(builder?.instructions.map((i) => i.args).join(' ')).toContain(`--filter=${app.workspace}`);
        const copied = stage()
          .instructions.filter((i) => i.keyword === 'COPY')
          .map((i) => /--from=(\S+)\s+\/app\/(\S+?)\/dist\/?\s/.exec(i.args))
          .filter((m) => m !== null)
          .map((m) => {
            expect(m[1], 'dist comes from the builder').toBe(`${target}-builder`);
            return workspaceByDir.get(m[2]!)?.name ?? m[2]!;
          });
        expect(new Set(copied)).toEqual(runtimeClosure(ws().name, allWorkspaces));
      });

      if (app.probe !== undefined) {
        const probe = app.probe;
        it(`has a HEALTHCHECK on ${probe.paths.join(' or ')} at ${probe.port}, which defaults like the app`, () => {
          const command = healthcheckCommand(stage());
          expect(command?.slice(0, 2)).toEqual(['node', '-e']);
          const script = command![2]!;
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

  it("keeps the host's node_modules, dist and secrets out of the build context", () => {
    const ignore = read('docker/Dockerfile.dockerignore')
      .split('\n')
      .map((line) => line.trim());
    for (const pattern of ['**/node_modules', '**/dist', '**/.env', '.git']) expect(ignore).toContain(pattern);
  });
});
