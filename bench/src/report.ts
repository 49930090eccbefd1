import { JOB_RETENTION, TASK_RECORD_TTL_MS } from '@regionwatch/core';
import type { Machine } from './machine.js';
import type { AdaptiveFigures } from './scenarios/adaptive.js';
import type { AdaptiveLiveFigures } from './scenarios/adaptive-live.js';
import { renderAdaptiveCapacity } from './adaptive/capacity-report.js';
import { renderAdaptiveLive } from './adaptive/live-report.js';
import type { AdaptiveCapacityFigures } from './scenarios/adaptive-capacity.js';
import type { ProfileFigures } from './scenarios/cpu-profile.js';
import type { EnqueueFigures } from './scenarios/enqueue.js';
import type { HttpClientRow } from './scenarios/http-clients.js';
import type { LatencyFigures } from './scenarios/latency.js';
import type { FinishedBytes, MemoryFigures } from './scenarios/memory.js';
import type { FollowFigures } from './scenarios/follow.js';
import type { RedisCost } from './scenarios/redis-cost.js';
import type { ScaleOutRow } from './scenarios/scale-out.js';
import type { ThroughputRow } from './scenarios/throughput.js';

export type BenchResults = {
  date: string;
  mode: 'full' | 'quick' | 'tiny';
  machine: Machine;
  wallSeconds: number;
  throughput?: ThroughputRow[];
  httpClients?: HttpClientRow[];
  redisCost?: RedisCost;
  follow?: FollowFigures;
  memory?: MemoryFigures;
  enqueue?: EnqueueFigures;
  latency?: LatencyFigures;
  scaleOut?: ScaleOutRow[];
  cpuProfile?: ProfileFigures;
  adaptive?: AdaptiveFigures;
  adaptiveLive?: AdaptiveLiveFigures;
  adaptiveCapacity?: AdaptiveCapacityFigures;
};

const n = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const signed = (value: number) => `${value < 0 ? '−' : '+'}${n(Math.abs(value))}`;
const table = (header: string[], rows: string[][]) =>
  [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** The results as Markdown: printed by `npm run bench` and written into bench/README.md. */
export function renderMarkdown(r: BenchResults): string {
  const parts: string[] = [];
  const m = r.machine;
  const offline = m.redis === 'none';
  parts.push(
    `Measured ${r.date} (${r.mode} run, ${n(r.wallSeconds)} s) on ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, ` +
      `Node ${m.node}, ${offline ? '' : `Redis ${m.redis}, `}${m.platform}. ` +
      (offline
        ? 'Offline scenarios only: simulated time, no Redis, no HTTP (figures do not depend on the machine).'
        : 'Simulator on loopback with zero added latency; worker, Redis and simulator share the machine.'),
  );
  parts.push(...renderGoals(r));
  if (r.throughput) {
    parts.push(
      '**1. Poll throughput** — one worker process; k polls per task (k − 1 Pending, then Completed); baselines in the same run: ' +
        '(a) bare GET loop with the HTTP client the worker uses (undici) at the same C, ' +
        '(b) bare BullMQ delayed-job loop at the same C with no HTTP, ' +
        '(c) BullMQ step + one GET: the documented step-job pattern (`updateData` of a small step + `moveToDelayed` + `DelayedError`) ' +
        'with one GET per step through undici, at the same C.',
    );
    parts.push(
      table(
        [
          'C',
          'N tasks × k',
          'worker polls/s',
          'worker tasks/s',
          'worker CPU ms/poll',
          '(a) bare HTTP req/s',
          '(b) bare BullMQ polls/s',
          '(c) BullMQ step + GET polls/s',
          'worker ÷ min(a, b)',
          'worker ÷ (c)',
        ],
        r.throughput.map((t) => [
          String(t.concurrency),
          `${n(t.tasks)} × ${t.pollsPerTask}`,
          n(t.worker.pollsPerSecond),
          n(t.worker.tasksPerSecond),
          n(t.worker.cpuMsPerPoll, 3),
          n(t.bareHttp.perSecond),
          n(t.bareBullmq.perSecond),
          t.bareStep ? n(t.bareStep.perSecond) : '—',
          n(t.ratio, 2),
          t.stepRatio === undefined ? '—' : n(t.stepRatio, 2),
        ]),
      ),
    );
  }
  if (r.httpClients) {
    parts.push(
      `**2. HTTP client** — bare GET loop, C = ${r.httpClients[0]?.concurrency ?? '?'}, ` +
        `${n(r.httpClients[0]?.run.requests ?? 0)} requests each.`,
    );
    parts.push(
      table(
        ['client', 'req/s', 'CPU ms/request'],
        r.httpClients.map((h) => [h.client, n(h.run.perSecond), n(h.run.cpuMsPerRequest, 3)]),
      ),
    );
  }
  if (r.redisCost) {
    const c = r.redisCost;
    parts.push(
      `**3. Redis cost** — ${n(c.tasks)} tasks, ${n(c.polls)} polls: ${n(c.commandsPerPoll, 1)} commands per poll, ` +
        `${n(c.commandsPerTask, 1)} per task end to end (enqueue included; commands inside Lua scripts counted as Redis counts them), ` +
        `${n(c.roundTripsPerPoll, 2)} round trips per poll (worker connections).`,
    );
    parts.push(
      table(
        ['command', 'calls per poll', 'calls per task'],
        c.top.map((t) => [t.command, n(t.perPoll, 2), n(t.perTask, 2)]),
      ),
    );
    if (c.bareStep) {
      parts.push(
        `Baseline (c) in the same run (same tasks, steps and C; its own enqueue included): ${n(c.bareStep.commandsPerStep, 1)} commands ` +
          `per step (${c.bareStep.top.map((t) => `${t.command} ${n(t.perStep, 2)}`).join(', ')}).` +
          (c.perPendingPoll
            ? ` Per Pending poll (the k-poll run's commands minus a 1-poll run's, ÷ the Pending polls; the same for (c)): ` +
              `worker ${n(c.perPendingPoll.worker, 1)}, (c) ${n(c.perPendingPoll.bareStep, 1)}.`
            : ''),
      );
    }
    if (c.bytesWritten) {
      const b = c.bytesWritten;
      parts.push(
        `Bytes the worker's connections wrote to Redis (counted by the same proxy), tasks without metadata and with ` +
          `${n(b.metadataBytes)} B of metadata (the most allowed): per poll of a ${c.polls / c.tasks}-poll task ` +
          `${n(b.perPoll.none)} B and ${n(b.perPoll.large)} B ` +
          '(the decision and hand-off write the result and its metadata once per task); ' +
          `per Pending poll (the k-poll run's bytes minus a 1-poll run's, ÷ the Pending polls) ${n(b.perPendingPoll.none)} B and ` +
          `${n(b.perPendingPoll.large)} B.`,
      );
    }
  }
  if (r.memory?.finished) parts.push(...renderMemory(r.memory, r.memory.finished));
  else if (r.memory) {
    const mem = r.memory;
    parts.push('**4. Redis memory** (`used_memory` delta; includes BullMQ event streams, capped at ~10k entries per queue)');
    parts.push(
      table(
        ['what', 'N', 'bytes per task'],
        [
          ['tracked, pending (delayed poll job)', n(mem.pendingTasks), n(mem.bytesPerPendingTask)],
          ['finished: completed poll job + result job + dedupe key', n(mem.finishedTasks), n(mem.bytesPerFinishedTask)],
          ['finished, RESULTS_QUEUE="" (completed poll job only)', n(mem.finishedTasks), n(mem.bytesPerFinishedTaskWithoutResultsQueue)],
        ],
      ),
    );
  }
  if (r.enqueue) {
    const e = r.enqueue;
    parts.push(
      `**5. Enqueue** — ${n(e.ids)} ids: \`trackMany\` ${n(e.trackManyPerSecond)} ids/s; ` +
        `raw \`Queue.addBulk\` of the same jobs ${n(e.addBulkPerSecond)} ids/s (trackMany ÷ addBulk = ${n(e.ratio, 2)})` +
        (e.rounds ? `; ${e.rounds} timed runs of each, alternating, after an untimed warm-up of each` : '') +
        (e.commandsPerId
          ? `; Redis commands per id: trackMany ${n(e.commandsPerId.trackMany, 2)}, addBulk ${n(e.commandsPerId.addBulk, 2)}.`
          : '.'),
    );
  }
  if (r.latency) {
    const l = r.latency;
    parts.push(
      `**6. Detection latency** — ${n(l.tasks)} tasks completing at random within ${n(l.windowMs / 1000, 1)} s; ` +
        `default schedule ÷${l.scaleDown} (${l.initialDelayMs} ms initial, ${l.maxDelayMs} ms cap); ` +
        `from the task turning terminal to its result job: p50 ${n(l.p50Ms)} ms, p95 ${n(l.p95Ms)} ms, p99 ${n(l.p99Ms)} ms, ` +
        `max ${n(l.maxMs)} ms; ${n(l.meanPollsPerTask, 2)} polls per task ` +
        `(ideal: ${l.idealPollsPerTask}, one poll right after completion).`,
    );
  }
  if (r.scaleOut) {
    parts.push('**7. Scale-out** — same work, one Redis.');
    parts.push(
      table(
        ['worker processes', 'C each', 'N tasks', 'polls/s', 'tasks/s', 'worker CPU ms/poll'],
        r.scaleOut.map((s) => [
          String(s.workers),
          String(s.concurrency),
          n(s.run.tasks),
          n(s.run.pollsPerSecond),
          n(s.run.tasksPerSecond),
          n(s.run.cpuMsPerPoll, 3),
        ]),
      ),
    );
  }
  if (r.cpuProfile) {
    const p = r.cpuProfile;
    parts.push(
      `**8. Worker CPU profile** — ${n(p.run.tasks)} tasks, ${n(p.run.pollsPerSecond)} polls/s under \`--cpu-prof\`; ` +
        'share of busy self time.',
    );
    parts.push(
      table(
        ['where', '% of busy CPU'],
        p.byArea.map((a) => [a.area, n(a.percent, 1)]),
      ),
    );
    parts.push(
      table(
        ['top functions (self time)', 'where', '%'],
        p.topFunctions.map((f) => [`\`${f.fn}\``, f.area, n(f.percent, 1)]),
      ),
    );
  }
  if (r.adaptive) parts.push(...renderAdaptive(r.adaptive));
  if (r.adaptiveLive) parts.push(...renderAdaptiveLive(r.adaptiveLive));
  if (r.adaptiveCapacity) parts.push(...renderAdaptiveCapacity(r.adaptiveCapacity));
  if (r.follow) {
    const f = r.follow;
    parts.push(
      `**10. Following a task** — ${n(f.pendingTasks)} pending tasks; the producer's own count of what it sends ` +
        "(a pipeline counts each command), and Redis's (`INFO commandstats`).",
    );
    parts.push(
      table(
        ['call', 'N', 'commands sent', 'round trips', 'Redis commands', 'p50 ms', 'p99 ms'],
        [
          [
            '`status(id)`',
            n(f.statusCalls),
            n(f.statusCommands, 1),
            n(f.statusRoundTrips, 2),
            n(f.statusServerCommands, 1),
            n(f.statusP50Ms, 2),
            n(f.statusP99Ms, 2),
          ],
          [
            `\`waitForResult(id)\`, ${n(f.waiters)} at once (ms: decision → result)`,
            n(f.waiters),
            n(f.waitCommands, 2),
            n(f.waitRoundTrips, 2),
            '—',
            n(f.waitP50Ms, 2),
            n(f.waitP99Ms, 2),
          ],
        ],
      ),
    );
    parts.push(`A decision costs ${n(f.decideServerCommands, 1)} Redis commands (the DECIDE script with its PUBLISH); no wait polls.`);
  }
  return parts.join('\n\n');
}

/**
 * The README's Performance summary: the key figures of a run in five lines, linking to the report.
 * Generated like the report, so the README never quotes a figure that no run measured.
 */
export function renderSummary(r: BenchResults): string {
  const m = r.machine;
  const lines = [
    `Measured ${r.date} (${r.mode} run) on ${m.cores} cores (${m.cpu}), worker, Redis and the simulator sharing the machine; ` +
      'the report, its baselines and method are in [bench/README.md](bench/README.md).',
  ];
  const fastest = r.throughput?.reduce((best, row) => (row.worker.pollsPerSecond > best.worker.pollsPerSecond ? row : best));
  if (fastest) {
    lines.push(
      `- **Throughput:** one worker process, up to ${n(fastest.worker.pollsPerSecond)} polls/s ` +
        `(${n(fastest.worker.tasksPerSecond)} tasks/s of ${fastest.pollsPerTask} polls, C = ${fastest.concurrency}) ` +
        `at ${n(fastest.worker.cpuMsPerPoll, 3)} ms of worker CPU per poll; ` +
        `${n(fastest.ratio, 2)} of the slower of its bare baselines (the same loop in plain BullMQ, or plain HTTP).`,
    );
  }
  if (r.redisCost && r.memory) {
    lines.push(
      `- **Redis:** ${n(r.redisCost.commandsPerPoll, 1)} commands and ${n(r.redisCost.roundTripsPerPoll, 2)} round trips per poll; ` +
        `${n(r.memory.bytesPerPendingTask)} bytes per tracked task, ${n(r.memory.bytesPerFinishedTask)} per finished task ` +
        `while it is kept (${n(r.memory.bytesPerFinishedTaskWithoutResultsQueue)} with \`RESULTS_QUEUE=""\`).`,
    );
  }
  if (r.latency) {
    lines.push(
      `- **Detection latency** (poll schedule ÷${r.latency.scaleDown}): p50 ${n(r.latency.p50Ms)} ms, ` +
        `p95 ${n(r.latency.p95Ms)} ms from a task turning terminal to its result job.`,
    );
  }
  const [one, two] = r.scaleOut ?? [];
  if (r.enqueue && one && two) {
    lines.push(
      `- **Enqueue and scale-out:** \`trackMany\` ${n(r.enqueue.trackManyPerSecond)} ids/s; ` +
        `${two.workers} worker processes on the same machine: ${n(two.run.pollsPerSecond)} polls/s ` +
        `(${one.workers} process: ${n(one.run.pollsPerSecond)}).`,
    );
  }
  const goals = renderGoals(r);
  if (goals.length > 0) lines.push('', goals.join('\n\n'));
  return lines.join('\n');
}

const seconds = (ms: number) => (Number.isFinite(ms) ? n(ms / 1000, 2) : '∞');

/** Section 9: the offline evaluation of adaptive polling, one table per workload and the goals. */
export function renderAdaptive(a: AdaptiveFigures): string[] {
  const parts = [
    `**9. Adaptive polling, offline** — \`npm run bench -- --only adaptive\`: ${n(a.tasksPerWorkload)} tasks per workload ` +
      `(Poisson arrivals every ${a.meanInterArrivalMs} ms on average, seed ${a.seed}), each strategy run in simulated time on the same ` +
      `tasks; adaptive learns as the worker will (every "not yet" and every completion, batched, estimates re-read every 5 s; ` +
      `half-life ${a.halfLifeCompletions} completions). POLL_INITIAL_DELAY_MS ${a.config.POLL_INITIAL_DELAY_MS}, ` +
      `POLL_MAX_DELAY_MS ${a.config.POLL_MAX_DELAY_MS}; adaptive POLL_LAG_PER_POLL_MS ${a.lagPerPollMs} (default), latency-tuned ` +
      `${a.latencyLagPerPollMs}. Lag = detection − completion at Aspose. Tasks/s = ASPOSE_MAX_RPS ${a.capRps} ÷ polls per task. ` +
      '"Best fixed" = the fewest-polls schedule for the known distribution (not each task\'s time) meeting the p95 lag shown.',
  ];
  for (const w of a.workloads) {
    parts.push(`*${w.workload}${w.kindsGiven ? ', kinds given to the learner' : ''}* — ${w.description}`);
    parts.push(
      table(
        ['strategy', 'polls/task', 'lag p50 s', 'lag p95 s', 'lag p99 s', `tasks/s at ${a.capRps} rps`],
        w.rows.map((row) => [
          row.feasible === false ? `${row.strategy} (infeasible)` : row.strategy,
          n(row.meanPolls, 2),
          seconds(row.p50LagMs),
          seconds(row.p95LagMs),
          seconds(row.p99LagMs),
          n(row.tasksPerSecondAtCap, 2),
        ]),
      ),
    );
    const learned = w.learned.map((l) => `p${Math.round(l.quantile * 100)} ${seconds(l.learnedMs)} s (true ${seconds(l.trueMs)})`);
    const recovery =
      w.recoveryCompletions === undefined
        ? ''
        : ` After the shift: ${w.recoveryCompletions ?? 'never'} completions until the learned schedule costs within 10 % of ` +
          `the best for the new distribution; ${w.medianRecoveryCompletions ?? 'never'} until the learned median is within 15 %.`;
    parts.push(
      `Goals: ${w.goals.map((g) => `${g.met ? '✓' : '✗'} ${g.name} ${n(g.value, 2)} (${g.target})`).join('; ')}. ` +
        `Learned when the last task was submitted: ${learned.join(', ')}.${recovery}`,
    );
  }
  return parts;
}

export type Goal = {
  figure: string;
  measured: string;
  baseline: string;
  goal: string;
  met: boolean | undefined;
  /** For a goal missed: why, from the same run's figures (absent when the run lacks the figures to say). */
  why?: string | undefined;
};

/** The footprint goals (issue 13), each from figures of the same run; undefined `met`: not measured in this run. */
export function footprintGoals(r: BenchResults): Goal[] {
  const goals: Goal[] = [];
  const c64 = r.throughput?.find((t) => t.concurrency === 64);
  if (c64?.bareStep && c64.stepRatio !== undefined) {
    goals.push({
      figure: 'worker polls/s at C = 64',
      measured: `${n(c64.worker.pollsPerSecond)} (${n(c64.stepRatio, 2)}× (c))`,
      baseline: `(c) BullMQ step + one GET: ${n(c64.bareStep.perSecond)}`,
      goal: '≥ 0.7× (c)',
      met: c64.stepRatio >= 0.7,
      why: throughputWhy(c64, r.cpuProfile),
    });
  }
  const cost = r.redisCost;
  if (cost?.bareStep) {
    goals.push({
      figure: 'Redis commands per poll',
      measured: n(cost.commandsPerPoll, 1),
      baseline: `(c): ${n(cost.bareStep.commandsPerStep, 1)} per step`,
      goal: '≤ (c) + 2',
      met: cost.commandsPerPoll <= cost.bareStep.commandsPerStep + 2,
      why: commandsWhy(cost),
    });
  }
  if (cost?.bytesWritten) {
    const b = cost.bytesWritten;
    const limit = b.metadataBytes / 100;
    goals.push({
      figure: `bytes written to Redis per Pending poll, ${n(b.metadataBytes)} B of metadata`,
      measured: `${n(b.perPendingPoll.large)} (${signed(b.perPendingPoll.large - b.perPendingPoll.none)})`,
      baseline: `no metadata: ${n(b.perPendingPoll.none)}`,
      goal: `independent of metadata (within 1 % of it: ${n(limit)} B)`,
      met: Math.abs(b.perPendingPoll.large - b.perPendingPoll.none) <= limit,
    });
  }
  if (r.enqueue) {
    goals.push({
      figure: '`trackMany` ÷ raw `addBulk`',
      measured: n(r.enqueue.ratio, 2),
      baseline: `addBulk ${n(r.enqueue.addBulkPerSecond)} ids/s`,
      goal: '≥ 0.9',
      met: r.enqueue.ratio >= 0.9,
      why: enqueueWhy(r.enqueue),
    });
  }
  const mem = r.memory;
  if (mem?.bytesPerBareDelayedJob !== undefined) {
    const ratio = mem.bytesPerPendingTask / mem.bytesPerBareDelayedJob;
    goals.push({
      figure: 'Redis bytes per pending task',
      measured: `${n(mem.bytesPerPendingTask)} (${n(ratio, 2)}×)`,
      baseline: `bare delayed job, same data: ${n(mem.bytesPerBareDelayedJob)}`,
      goal: '≤ 1.1×',
      met: ratio <= 1.1,
    });
  }
  const fin = mem?.finished?.withResultsQueue;
  if (fin) {
    goals.push({
      figure: 'Redis bytes per finished task, 25 h duplicate window, beyond what the consumer asked for',
      measured: `${n(fin.overhead)} (total ${n(fin.records + fin.resultsQueue + fin.other)})`,
      baseline: `asked for: result job ${n(fin.resultsQueue)} + result payload ${n(fin.resultPayload)}`,
      goal: '≤ 300',
      met: fin.overhead <= 300,
    });
  }
  // A why is for a goal missed only.
  for (const goal of goals) if (goal.met !== false) delete goal.why;
  return goals;
}

const listed = (items: { command: string; value: number }[], digits: number) =>
  items.map((d) => `${d.command} ${d.value < 0 ? '−' : '+'}${n(Math.abs(d.value), digits)}`).join(', ');

/** Why the worker's polls/s stay under 0.7× (c): CPU per poll, both measured in the run. */
function throughputWhy(row: ThroughputRow, profile: ProfileFigures | undefined): string | undefined {
  if (!row.bareStep) return undefined;
  const w = row.worker;
  const extra = w.cpuMsPerPoll - row.bareStep.cpuMsPerRequest;
  const share = (areas: string[]) =>
    profile?.byArea.filter((a) => areas.some((area) => a.area === area || a.area.startsWith(area))).reduce((sum, a) => sum + a.percent, 0);
  const ours = share(['@regionwatch/']);
  const libraries = ['zod', 'prom-client', 'pino']
    .map((area) => ({ area, percent: share([area]) ?? 0 }))
    .filter((a) => a.percent >= 0.1)
    .map((a) => `${a.area} ${n(a.percent, 1)} %`);
  return (
    `Both are CPU-bound (CPU-seconds per second: the worker process ${n(w.workerCpuSeconds / w.seconds, 2)}, (c) ` +
    `${n(row.bareStep.cpuSeconds / row.bareStep.seconds, 2)}), and the worker spends ${n(w.cpuMsPerPoll, 3)} ms of CPU per ` +
    `poll against (c)'s ${n(row.bareStep.cpuMsPerRequest, 3)} ms per step. The ` +
    `${n(extra, 3)} ms more per poll is work (c) does not do: validating each job and each answer of Aspose, the request ` +
    'gate, progress and metrics, and once per task the decision, the task record, the results job and a log line' +
    (profile && ours !== undefined
      ? ` (in section 8's profile, regionwatch's own code is ${n(ours, 1)} % of the worker's busy CPU` +
        (libraries.length > 0 ? `, ${libraries.join(', ')}` : '') +
        '; the rest is Node, ioredis, BullMQ and undici, which (c) runs too)'
      : '') +
    '.'
  );
}

/** Why the worker's commands per poll exceed (c) + 2: where the extra commands are, per poll and per task. */
function commandsWhy(cost: RedisCost): string | undefined {
  if (!cost.bareStep || !cost.perPendingPoll || cost.perTaskBeyondBareStep === undefined || !cost.beyondBareStep) return undefined;
  const k = cost.polls / cost.tasks;
  const biggest = cost.beyondBareStep.slice(0, 6).map((d) => ({ command: d.command, value: d.perPoll }));
  return (
    `A Pending poll costs the worker ${n(cost.perPendingPoll.worker, 1)} commands against (c)'s ` +
    `${n(cost.perPendingPoll.bareStep, 1)}; the rest is once per task: tracking it (trackMany's duplicate checks) and ending it ` +
    `(the decision written to the task record and announced, the results job added) cost ${n(cost.perTaskBeyondBareStep, 1)} ` +
    `commands more than (c)'s enqueue and last step, ${n(cost.perTaskBeyondBareStep / k, 1)} per poll at ${n(k)} polls per task. ` +
    `Per poll, beyond (c): ${listed(biggest, 2)}.`
  );
}

/** Why trackMany stays under 0.9× addBulk: the commands it makes beyond addBulk, per id. */
function enqueueWhy(e: EnqueueFigures): string | undefined {
  if (!e.commandsPerId) return undefined;
  const c = e.commandsPerId;
  const beyond = c.beyond.slice(0, 5).map((d) => ({ command: d.command, value: d.perId }));
  return (
    `trackMany makes ${n(c.trackMany, 2)} Redis commands per id against addBulk's ${n(c.addBulk, 2)} ` +
    `(${listed(beyond, 2)}): before adding, it asks whether each id was decided in the last 25 h (the duplicate window), ` +
    'and after, which jobs it created itself (one script per chunk) — the checks behind `created` and the duplicate ' +
    "guarantee, which a raw addBulk does not make; it also validates each request on the producer's CPU."
  );
}

function renderGoals(r: BenchResults): string[] {
  const goals = footprintGoals(r);
  if (goals.length === 0) return [];
  const missed = goals.filter((g) => g.met === false);
  return [
    '**Footprint goals** (issue 13) — every figure and its baseline from this run; how each is measured is in the sections below.',
    table(
      ['figure', 'measured', 'baseline (same run)', 'goal', 'met'],
      goals.map((g) => [g.figure, g.measured, g.baseline, g.goal, g.met === undefined ? '—' : g.met ? '✓' : '✗']),
    ),
    ...(missed.length > 0
      ? [
          'Why the goals marked ✗ are missed, from the same run:\n\n' +
            missed
              .map((g) => `- **${g.figure}**: ${g.why ?? 'this run lacks the figures that say why (a run before they were measured).'}`)
              .join('\n'),
        ]
      : []),
  ];
}

function renderMemory(mem: MemoryFigures, finished: NonNullable<MemoryFigures['finished']>): string[] {
  const rows = (label: string, f: FinishedBytes) => [
    label,
    n(f.records),
    n(f.resultPayload),
    n(f.resultsQueue),
    n(f.webhookQueue),
    n(f.other),
    n(f.overhead),
    n(f.usedMemory),
  ];
  return [
    `**4. Redis memory** — pending: \`used_memory\` delta of ${n(mem.pendingTasks)} tracked tasks (metadata \`{documentId}\`) ` +
      `against the same number of bare delayed BullMQ jobs with the same data (\`jobId\` = task id, no other option), ` +
      `BullMQ's event streams left out of both (capped at ~10,000 entries per queue: a fixed ` +
      `${n((mem.pendingEventStreamsTotal ?? 0) / 1024)} KiB here, not a per-task cost): ` +
      `**${n(mem.bytesPerPendingTask)} B per pending task**, ${n(mem.bytesPerBareDelayedJob ?? Number.NaN)} B per bare delayed job.`,
    `Finished: ${n(mem.finishedTasks)} tasks of one poll each, then \`MEMORY USAGE\` of every key of the run's prefix by where it ` +
      'sits, per task. **What the consumer asked for** is the result itself: the result job in the results queue until a consumer ' +
      'takes it (and an hour after), or the webhook deliveries; and the result payload in the task record (raw result items, errors, ' +
      'warnings, metadata: what `status()` and the dashboard return for 25 h). **Overhead** is everything else kept for the 25 h ' +
      'duplicate window: the record without its payload (chain, status, times, polls, history, destinations, hand-off marks, the ' +
      'key itself) and any other key left behind. Event streams are left out (fixed, see above).',
    table(
      ['run', 'task record', 'of it: result payload', 'results queue', 'webhook queue', 'other keys', 'overhead', '`used_memory` Δ'],
      [
        rows('results queue, not consumed', finished.withResultsQueue),
        rows('`RESULTS_QUEUE=""`, webhooks: delivered (204)', finished.webhooksOnly),
        rows('`RESULTS_QUEUE=""`, webhooks: ended (410 Gone; kept like dead letters)', finished.webhooksDeadLetters),
      ],
    ),
  ];
}

const MILLION = 1_000_000;
const gib = (bytes: number) => `${n(bytes / 1024 ** 3, 2)} GiB`;

/**
 * The sizing section of docs/operations.md, computed from a run's figures (never typed by hand): Redis memory
 * for a million pending tasks and for a day of a million finished ones, and polls per second per worker core.
 */
export function renderSizing(r: BenchResults, retention: SizingRetention): string {
  const mem = r.memory;
  const fin = mem?.finished;
  const c64 = r.throughput?.find((t) => t.concurrency === 64);
  if (!mem || !fin || !c64) {
    return (
      `*No sizing figures yet: the latest full run (${r.date}) predates the per-key memory figures. ` +
      'A full `npm run bench` writes them here, with the formulas.*'
    );
  }
  const record = fin.withResultsQueue.records + fin.withResultsQueue.other;
  const resultJob = fin.withResultsQueue.resultsQueue;
  const delivered = fin.webhooksOnly.webhookQueue;
  const dead = fin.webhooksDeadLetters.webhookQueue;
  const window = retention.recordHours / 24;
  const consumedShare = retention.resultsAfterConsumedHours / 24;
  const webhookDays = retention.webhookCompletedHours / 24;
  const lines: [string, string, string][] = [
    ['1M pending tasks', `1M × ${n(mem.bytesPerPendingTask)} B`, gib(MILLION * mem.bytesPerPendingTask)],
    [
      '1M finished a day, results consumed',
      `1M × (${retention.recordHours}/24 × ${n(record)} B record + ` +
        `${retention.resultsAfterConsumedHours}/24 × ${n(resultJob)} B result job)`,
      gib(MILLION * (window * record + consumedShare * resultJob)),
    ],
    [
      '1M finished a day, results not consumed (grows by this every day until a consumer takes them)',
      `1M × (${retention.recordHours}/24 × ${n(record)} B + ${n(resultJob)} B)`,
      gib(MILLION * (window * record + resultJob)),
    ],
    [
      '1M finished a day, `RESULTS_QUEUE=""`, one webhook each, delivered',
      `1M × (${retention.recordHours}/24 × ${n(record)} B + ${n(webhookDays, 2)} × ${n(delivered)} B delivered webhook job)`,
      gib(MILLION * (window * record + webhookDays * delivered)),
    ],
    ['each dead letter (kept until replayed or cleaned)', `${n(dead)} B`, `${n((MILLION * dead) / 1024 ** 3, 2)} GiB per 1M`],
    ['event streams (BullMQ caps each queue’s at ~10,000 entries)', 'fixed, per queue', `${n(mem.pendingEventStreamsTotal ?? 0)} B`],
  ];
  const cpuPerPoll = c64.worker.cpuMsPerPoll;
  return [
    `Computed by \`npm run bench\` from its run of ${r.date} (${r.mode}; [benchmark report](../bench/README.md)); ` +
      `every figure below is a formula of those figures, with the retention the code sets ` +
      `(records ${retention.recordHours} h; result jobs ${retention.resultsAfterConsumedHours} h after a consumer completes them, ` +
      `until then kept; delivered webhook jobs ${retention.webhookCompletedHours} h; dead letters until replayed). ` +
      'Results with many regions or large metadata cost more (the payload is stored as given); add headroom (2× is a fair start).',
    table(
      ['what', 'formula', 'Redis memory'],
      lines.map(([what, formula, total]) => [what, formula, total]),
    ),
    `**Polls per second per worker core:** 1000 ÷ ${n(cpuPerPoll, 3)} ms of worker CPU per poll (section 1, C = 64) ≈ ` +
      `**${n(1000 / cpuPerPoll)} polls/s per fully used core**; one process reached ${n(c64.worker.pollsPerSecond)} polls/s ` +
      'on this machine, sharing its cores with Redis and the simulator. Aspose’s rate limit (`ASPOSE_MAX_RPS`) is usually the bound.',
  ].join('\n\n');
}

/** The retention the code sets (from `JOB_RETENTION` and the record TTL), as the sizing formulas use it. */
export type SizingRetention = { recordHours: number; resultsAfterConsumedHours: number; webhookCompletedHours: number };

export function sizingRetention(): SizingRetention {
  const hours = (retention: { age: number } | { count: 0 }) => ('age' in retention ? retention.age / 3600 : 0);
  return {
    recordHours: TASK_RECORD_TTL_MS / 3_600_000,
    resultsAfterConsumedHours: hours(JOB_RETENTION.results.removeOnComplete),
    webhookCompletedHours: hours(JOB_RETENTION.webhooks.removeOnComplete),
  };
}
