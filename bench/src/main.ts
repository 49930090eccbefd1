import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCommandLine } from '@regionwatch/core';
import { startSimulator } from '@regionwatch/simulator';
import { spawnRedisServer } from '@regionwatch/testkit';
import { Redis } from 'ioredis';
import { ROOT } from './child-process.js';
import type { BenchContext } from './context.js';
import { writeGeneratedDocs } from './generated-docs.js';
import { describeMachine } from './machine.js';
import { renderMarkdown, type BenchResults } from './report.js';
import { measureCpuProfile } from './scenarios/cpu-profile.js';
import { measureEnqueue } from './scenarios/enqueue.js';
import { measureFollow } from './scenarios/follow.js';
import { measureHttpClients } from './scenarios/http-clients.js';
import { measureAdaptive } from './scenarios/adaptive.js';
import { measureAdaptiveCapacity } from './scenarios/adaptive-capacity.js';
import { measureAdaptiveLive } from './scenarios/adaptive-live.js';
import { measureLatency } from './scenarios/latency.js';
import { measureMemory } from './scenarios/memory.js';
import { measureRedisCost } from './scenarios/redis-cost.js';
import { measureScaleOut } from './scenarios/scale-out.js';
import { measureThroughput } from './scenarios/throughput.js';
import { FULL, QUICK, TINY } from './sizes.js';
import { buildWorker } from './workers.js';

const SCENARIOS = [
  'throughput',
  'http',
  'redis',
  'memory',
  'enqueue',
  'latency',
  'scale-out',
  'profile',
  'adaptive',
  'follow',
  'adaptive-live',
] as const;
/** Runs that are not part of a full run: a part of `adaptive-live` alone, and the capacity scan (alone only). */
const PARTS = ['adaptive-capped', 'adaptive-capacity'] as const;
/** Scenarios that run in simulated time: no worker build, no Redis, no simulator. */
const OFFLINE: readonly string[] = ['adaptive'];
const USAGE = `usage: npm run bench [-- --quick | --tiny] [--only ${SCENARIOS.join(',')}] [--out DIR] [--no-readme]
  (--only adaptive-capped: only adaptive-live's runs under a binding ASPOSE_MAX_RPS. --only adaptive-capacity: a scan
  of arrival rates under that cap, each strategy's tasks/s at a p95-lag bound; never part of a full run.)
  Runs every scenario on a private redis-server and the simulator (adaptive: offline, in simulated time, seconds);
  prints a table; writes DIR/<date>.json (default bench/results; <date>-<scenarios>.json for --only). A full run
  (no --quick/--tiny, all scenarios) also rewrites the report in bench/README.md, the summary in the README's
  Performance section and the sizing in docs/operations.md (--no-readme: none of them).`;

const { values } = parseCommandLine(USAGE, {
  options: {
    quick: { type: 'boolean' },
    tiny: { type: 'boolean' },
    only: { type: 'string' },
    out: { type: 'string' },
    'no-readme': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
const only = new Set(values.only ? values.only.split(',') : SCENARIOS);
for (const name of only)
  if (![...SCENARIOS, ...PARTS].includes(name as never)) {
    console.error(`unknown scenario ${name}\n${USAGE}`);
    process.exit(2);
  }
const mode = values.tiny ? 'tiny' : values.quick ? 'quick' : 'full';
const sizes = { full: FULL, quick: QUICK, tiny: TINY }[mode];

const started = Date.now();
const live = [...only].some((name) => !OFFLINE.includes(name));
const results: BenchResults = { date: new Date().toISOString().slice(0, 10), mode, machine: await describeMachine(), wallSeconds: 0 };
console.error(`regionwatch benchmarks (${mode})`);
if (live) {
  console.error('building the worker (the benchmark runs it as production does, from dist/)');
  buildWorker();

  // A private Redis: benchmarks flush it, and memory figures must not include anybody else's keys.
  const server = await spawnRedisServer();
  const redis = new Redis(server.url);
  const simulator = await startSimulator({ seed: 5 });
  let prefixes = 0;
  const ctx: BenchContext = {
    redisUrl: server.url,
    redis,
    simulator,
    sizes,
    log: (line) => console.error(line),
    freshPrefix: (label) => `bench-${label}-${(prefixes += 1)}`,
  };
  try {
    results.machine = await describeMachine(redis);
    if (only.has('throughput')) results.throughput = await measureThroughput(ctx);
    if (only.has('http')) results.httpClients = await measureHttpClients(ctx);
    if (only.has('redis')) results.redisCost = await measureRedisCost(ctx);
    if (only.has('memory')) results.memory = await measureMemory(ctx);
    if (only.has('enqueue')) results.enqueue = await measureEnqueue(ctx);
    if (only.has('latency')) results.latency = await measureLatency(ctx);
    if (only.has('scale-out')) results.scaleOut = await measureScaleOut(ctx);
    if (only.has('profile')) results.cpuProfile = await measureCpuProfile(ctx);
    // Issue 18's sizes in a full run: 10k pending tasks, 100 concurrent waits.
    if (only.has('follow')) {
      const follow =
        mode === 'full'
          ? { pendingTasks: 10_000, statusCalls: 2_000, waiters: 100 }
          : { pendingTasks: 1_000, statusCalls: 200, waiters: 20 };
      results.follow = await measureFollow(ctx, follow);
    }
    if (only.has('adaptive-live')) results.adaptiveLive = await measureAdaptiveLive(ctx, sizes.adaptiveLive);
    else if (only.has('adaptive-capped')) results.adaptiveLive = await measureAdaptiveLive(ctx, { ...sizes.adaptiveLive, workloads: [] });
    // Not part of a full run (15 minutes at full size; its finding is in docs/adaptive-polling.md): `--only adaptive-capacity`.
    if (only.has('adaptive-capacity') && sizes.adaptiveCapacity.loads.length > 0)
      results.adaptiveCapacity = await measureAdaptiveCapacity(ctx, sizes.adaptiveCapacity);
  } finally {
    redis.disconnect();
    await simulator.close();
    await server.stop();
  }
}
if (only.has('adaptive')) results.adaptive = await measureAdaptive({ tasks: sizes.adaptiveTasks, log: (line) => console.error(line) });
results.wallSeconds = (Date.now() - started) / 1000;

const markdown = renderMarkdown(results);
console.log(markdown);
const outDir = values.out ?? join(ROOT, 'bench/results');
await mkdir(outDir, { recursive: true });
// A run of some scenarios only is named after them, so it never overwrites a full run's file.
const partial = only.size < SCENARIOS.length ? `-${[...only].join('+')}` : '';
const file = join(outDir, `${results.date}${mode === 'full' ? '' : `-${mode}`}${partial}.json`);
await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
console.error(`\nwrote ${file}`);

// A full run of every scenario refreshes the report (bench/README.md), the README's summary and the sizing in docs/operations.md.
if (mode === 'full' && only.size === SCENARIOS.length && !values['no-readme']) {
  await writeGeneratedDocs(results, (line) => console.error(line));
}
