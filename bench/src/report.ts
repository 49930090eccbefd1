import type { Machine } from './machine.js';
import type { AdaptiveFigures } from './scenarios/adaptive.js';
import type { ProfileFigures } from './scenarios/cpu-profile.js';
import type { EnqueueFigures } from './scenarios/enqueue.js';
import type { HttpClientRow } from './scenarios/http-clients.js';
import type { LatencyFigures } from './scenarios/latency.js';
import type { MemoryFigures } from './scenarios/memory.js';
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
};

const n = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
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
  if (r.throughput) {
    parts.push(
      '**1. Poll throughput** — one worker process; k polls per task (k − 1 Pending, then Completed); baselines in the same run: ' +
        '(a) bare GET loop with the HTTP client the worker uses (undici) at the same C, ' +
        '(b) bare BullMQ delayed-job loop at the same C with no HTTP.',
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
          'worker ÷ min(a, b)',
        ],
        r.throughput.map((t) => [
          String(t.concurrency),
          `${n(t.tasks)} × ${t.pollsPerTask}`,
          n(t.worker.pollsPerSecond),
          n(t.worker.tasksPerSecond),
          n(t.worker.cpuMsPerPoll, 3),
          n(t.bareHttp.perSecond),
          n(t.bareBullmq.perSecond),
          n(t.ratio, 2),
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
  }
  if (r.memory) {
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
        `raw \`Queue.addBulk\` of the same jobs ${n(e.addBulkPerSecond)} ids/s (trackMany ÷ addBulk = ${n(e.ratio, 2)}).`,
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
