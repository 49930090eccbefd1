import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { arch, cpus, platform } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine } from '@regionwatch/core';
import { buildWorker, REPO_ROOT } from '@regionwatch/testkit';
import { SCENARIOS, type ScenarioName } from './scenarios.js';
import type { ChaosSize, ScenarioReport } from './scenario.js';

const USAGE = `usage: npm run chaos [-- --small] [--only ${Object.keys(SCENARIOS).join(',')}] [--out DIR]
  Breaks regionwatch on purpose, one scenario at a time (each bounded to about two minutes, loopback
  only), and checks the same invariant after each. Prints a table; writes DIR/<date>.json (default
  chaos/results). Exits 1 if any scenario broke the invariant.`;

const { values } = parseCommandLine(USAGE, {
  options: { small: { type: 'boolean' }, only: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
const names = (values.only ? values.only.split(',') : Object.keys(SCENARIOS)) as ScenarioName[];
for (const name of names)
  if (!(name in SCENARIOS)) {
    console.error(`unknown scenario ${name}\n${USAGE}`);
    process.exit(2);
  }
const size: ChaosSize = values.small ? 'small' : 'full';

console.error('building the worker (chaos runs it as production does, from dist/)');
buildWorker();

const reports: ScenarioReport[] = [];
for (const name of names) {
  console.error(`scenario: ${name} (${size})`);
  const report = await SCENARIOS[name](size);
  reports.push(report);
  console.error(`  ${report.ok ? 'ok' : 'BROKEN'} in ${report.wallSeconds.toFixed(1)} s: ${JSON.stringify(report.notes)}`);
  if (!report.ok)
    console.error(
      `  ${JSON.stringify({
        lost: report.lost,
        mismatched: report.mismatched.slice(0, 5),
        failedPollJobs: report.failedPollJobs,
        leakedSecrets: report.leakedSecrets,
      })}`,
    );
}

const machine = `${cpus().length} cores, Node ${process.version}, ${platform()}-${arch()}`;
const rows = reports.map(
  (r) =>
    `| ${r.name} | ${r.tasks} | ${r.deliveries} | ${r.duplicatesSuppressed} | ${r.deadLetters.length} | ${r.lost} | ` +
    `${r.mismatched.length} | ${r.wallSeconds.toFixed(1)} s | ${r.ok ? 'ok' : '**broken**'} |`,
);
const table = [
  '| scenario | tasks | deliveries | duplicates suppressed | dead letters | lost | wrong results | wall time | invariant |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows,
].join('\n');
const notes = reports
  .map(
    (r) =>
      `- **${r.name}**: ${Object.entries(r.notes)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(', ')}`,
  )
  .join('\n');
const markdown = `Last run: ${new Date().toISOString().slice(0, 10)}, ${size} size, ${machine}.\n\n${table}\n\n${notes}`;
console.log(markdown);

const date = new Date().toISOString().slice(0, 10);
const outDir = values.out ?? join(REPO_ROOT, 'chaos/results');
await mkdir(outDir, { recursive: true });
const file = join(outDir, `${date}${size === 'small' ? '-small' : ''}.json`);
await writeFile(file, `${JSON.stringify({ date, size, reports }, null, 2)}\n`);
console.error(`wrote ${file}`);

// A full run of every scenario refreshes the figures quoted by docs/guarantees.md.
if (size === 'full' && names.length === Object.keys(SCENARIOS).length) {
  const path = join(REPO_ROOT, 'docs/guarantees.md');
  const doc = await readFile(path, 'utf8');
  const [start, end] = ['<!-- chaos:start -->', '<!-- chaos:end -->'];
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from >= 0 && to > from) {
    await writeFile(path, `${doc.slice(0, from + start.length)}\n${markdown}\n${doc.slice(to)}`);
    console.error('updated the figures in docs/guarantees.md');
  }
}
/** Replaces the text between `<!-- NAME:start -->` and `<!-- NAME:end -->` in a doc (when both are there). */
async function writeBlock(doc: string, name: string, text: string): Promise<void> {
  const path = join(REPO_ROOT, doc);
  const content = await readFile(path, 'utf8');
  const [start, end] = [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`];
  const from = content.indexOf(start);
  const to = content.indexOf(end);
  if (from < 0 || to < from) return;
  await writeFile(path, `${content.slice(0, from + start.length)}\n${text}\n${content.slice(to)}`);
  console.error(`updated ${name} in ${doc}`);
}

// A full run of the failover scenario refreshes its own figures in docs/guarantees.md (next to the AOF section).
const failover = reports.find((r) => r.name.startsWith('Redis failover'));
if (size === 'full' && failover) {
  const n = failover.notes;
  await writeBlock(
    'docs/guarantees.md',
    'chaos-failover',
    [
      `Last run: ${date}, \`npm run chaos -- --only redis-failover\`, ${machine}: ${failover.tasks} tasks, ` +
        `${String(n.resultsAtKill)} results handed on when the primary was SIGKILLed, the rest in flight or being tracked.`,
      '',
      '| figure | value |',
      '|---|---|',
      `| sentinels agreed on the promoted replica after | ${String(n.failoverMs)} ms |`,
      `| new results appeared again after the kill (readings every 50 ms) | ${String(n.resultsResumedAfterMs)} ms |`,
      `| track calls refused during the failover (tracked again by the producer) | ${String(n.refusedTrackChunks)} |`,
      `| tracked ids acknowledged then gone after the failover (poll job vanished) | ${String(n.acknowledgedJobsVanished)} |`,
      `| tasks without a result until re-tracked | ${String(n.missingAfterFailover)} |`,
      `| lost after re-tracking | ${failover.lost} |`,
      `| wrong results | ${failover.mismatched.length} |`,
      `| repeated webhook deliveries (absorbed by the idempotent receiver) | ${failover.duplicatesSuppressed} |`,
      `| worker replicas that needed a restart | ${n.replicasSurvived === true ? 0 : 'some'} |`,
      `| invariant | ${failover.ok ? 'ok' : '**broken**'} |`,
    ].join('\n'),
  );
}

// A full run of the webhook endpoint outage refreshes its figures in docs/guarantees.md (promise 13).
const breaker = reports.find((r) => r.name.startsWith('webhook endpoint outage'));
if (size === 'full' && breaker) {
  const n = breaker.notes;
  await writeBlock(
    'docs/guarantees.md',
    'chaos-webhook-breaker',
    [
      `Last run: ${date}, \`npm run chaos -- --only webhook-breaker\`, ${machine}: ${breaker.tasks} results, half to A, half ` +
        `to B; A down ${String(n.aDownMs)} ms (the first six delays of the schedule: ${String(n.firstSixDelaysMs)} ms).`,
      '',
      '| figure | value | goal |',
      '|---|---|---|',
      `| dead letters | ${String(n.deadLetters)} | 0 |`,
      `| repeats of a delivery A took only after the worker's timeout had fired | ${String(n.repeatsOfLateAccepts)} | (at-least-once) |`,
      `| any other repeat | ${String(n.otherRepeats)} | 0 |`,
      `| requests A received in the ${Number(n.aTimingOutMs) / 1000} s it was timing out, ` +
        `with ${String(n.aHeldDeliveries)} deliveries held | ${String(n.aRequestsWhileTimingOut)} | probes only |`,
      `| A's busiest second after recovery | ${String(n.aBusiestSecondAfterRecovery)} | ≤ ${String(n.maxRps)} |`,
      `| A's line drained in | ${String(n.aDrainSeconds)} s | |`,
      `| B's p99 delivery latency during A's outage ÷ without it | ${String(n.bP99Ratio)} ` +
        `(${String(n.bP99DuringOutageMs)} ÷ ${String(n.bP99BaselineMs)} ms) | ≤ 1.2 |`,
      `| deliveries that did not verify after the secret rotation | ${String(n.unverifiedAfterRotation)} | 0 |`,
      `| lost / wrong results | ${breaker.lost} / ${breaker.mismatched.length} | 0 / 0 |`,
      `| invariant | ${breaker.ok ? 'ok' : '**broken**'} | ok |`,
    ].join('\n'),
  );
}

// A full run of the Cluster scenarios refreshes where the work went, in docs/operations.md.
const cluster = reports.find((r) => r.name.startsWith('Redis Cluster, one hash tag'));
if (size === 'full' && cluster) {
  const n = cluster.notes;
  await writeBlock(
    'docs/operations.md',
    'chaos-cluster',
    `Last run: ${date}, \`npm run chaos -- --only cluster-one-slot\`, ${machine}: ${cluster.tasks} tasks on 3 primaries ` +
      `with one hash tag (slot ${String(n.slot)}), invariant ${cluster.ok ? 'ok' : '**broken**'}; commands each primary ` +
      `processed during the run: ${String(n.commandsPerPrimary)} (the tag's primary: ${(Number(n.tagOwnerShare) * 100).toFixed(1)} %); ` +
      `${String(n.commandsPerPoll)} Redis commands per poll, ${String(n.commandsPerTask)} per task.`,
  );
}
const sharded = reports.find((r) => r.name.startsWith('Redis Cluster, POLL_SHARDS') && r.name.endsWith('(3 primaries)'));
if (size === 'full' && sharded) {
  const n = sharded.notes;
  await writeBlock(
    'docs/operations.md',
    'chaos-cluster-sharded',
    `Last run: ${date}, \`npm run chaos -- --only cluster-sharded\`, ${machine}: ${sharded.tasks} tasks on 3 primaries ` +
      `with POLL_SHARDS=3 (shard slots ${String(n.shardSlots)}; \`{chaos}\` at slot ${String(n.slot)}), invariant ` +
      `${sharded.ok ? 'ok' : '**broken**'}; commands each primary processed during the run: ${String(n.commandsPerPrimary)}: ` +
      `**max ÷ min ${String(n.maxOverMin)}** (goal ≤ 1.3); between the two primaries with a shard only ` +
      `${String(n.shardPrimariesMaxOverMin)}; the tag's own keys added ${String(n.tagExtraPerTask)} commands per task on its ` +
      `primary; ${String(n.polls)} polls (${(Number(n.polls) / sharded.tasks).toFixed(2)} per task), ` +
      `${String(n.commandsPerPoll)} Redis commands per poll, ${String(n.commandsPerTask)} per task. On the tag's primary, ` +
      `commands per task by key family (MONITOR): ${String(n.tagOwnerFamiliesPerTask)}; with the two replicas idle, per ` +
      `second: ${String(n.tagOwnerIdlePerSecond)}.`,
  );
}
const ownTag = reports.find((r) => r.name.includes('the tag on a primary of its own'));
if (size === 'full' && ownTag) {
  const n = ownTag.notes;
  await writeBlock(
    'docs/operations.md',
    'chaos-cluster-own-tag',
    `Last run: ${date}, \`npm run chaos -- --only cluster-sharded-own-tag\`, ${machine}: ${ownTag.tasks} tasks on 4 primaries ` +
      `with POLL_SHARDS=3 (shard slots ${String(n.shardSlots)}; \`${String(n.prefix ?? '{chaos}')}\` at slot ${String(n.slot)}, ` +
      `on the fourth primary), invariant ${ownTag.ok ? 'ok' : '**broken**'}; commands each primary processed during the run: ` +
      `${String(n.commandsPerPrimary)}: **max ÷ min ${String(n.maxOverMin)}** (goal ≤ 1.3); between the three primaries with ` +
      `a shard ${String(n.shardPrimariesMaxOverMin)}; the tag's own keys ${String(n.tagExtraPerTask)} commands per task; ` +
      `${String(n.polls)} polls, ${String(n.commandsPerTask)} Redis commands per task. On the tag's primary, by key family ` +
      `(MONITOR): ${String(n.tagOwnerFamiliesPerTask)}.`,
  );
}
process.exitCode = reports.every((r) => r.ok) ? 0 : 1;
