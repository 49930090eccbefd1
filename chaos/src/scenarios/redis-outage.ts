import { join } from 'node:path';
import { freePort, REPO_ROOT, spawnNode, type NodeChild } from '@regionwatch/testkit';
import { checkInvariant } from '../invariant.js';
import { sleep, waitUntil, type ChaosSize, type ScenarioReport } from '../scenario.js';
import { scriptTasks } from '../scripted-tasks.js';
import { ChaosWorld } from '../world.js';

const SIZES = {
  full: { tasks: 1_000, windowMs: 10_000, downMs: 30_000, budgetMs: 90_000 },
  small: { tasks: 100, windowMs: 2_000, downMs: 3_000, budgetMs: 40_000 },
};
const SHUTDOWN_TIMEOUT_MS = 5_000;

/** Lines that are not JSON: a stack trace or a library printing to stderr. */
const notJson = (lines: readonly string[]) =>
  lines.filter((line) => {
    try {
      JSON.parse(line);
      return false;
    } catch {
      return true;
    }
  });

/**
 * 7. Redis is down for `downMs` (SIGKILL; AOF, `appendfsync always`) under two worker replicas, the dashboard
 * and a producer: the outage costs a few JSON log lines, /metrics keeps answering, a replica told to stop
 * meanwhile exits within SHUTDOWN_TIMEOUT_MS, the producer is refused and tracks again, and when Redis is
 * back everything finishes (issue 17 §1).
 */
export async function redisOutage(size: ChaosSize): Promise<ScenarioReport> {
  const s = SIZES[size];
  const started = Date.now();
  const world = await ChaosWorld.create({ fsync: 'always', env: { SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) } });
  let dashboard: NodeChild | undefined;
  try {
    const expected = scriptTasks(world.simulator, 'rout', s.tasks, s.windowMs);
    const [a, b, victim] = await Promise.all([world.startWorker(), world.startWorker(), world.startWorker()]);
    const dashboardPort = await freePort();
    dashboard = spawnNode(join(REPO_ROOT, 'apps/dashboard/src/main.ts'), [], {
      ...world.env,
      DASHBOARD_PORT: String(dashboardPort),
      DASHBOARD_USER: '',
      DASHBOARD_PASSWORD: '',
    });
    const dash = dashboard;
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${dashboardPort}/queues`).catch(() => undefined))?.ok === true, 30_000);
    const ids = expected.map((e) => e.taskId);
    const half = Math.floor(ids.length / 2);
    await world.producer.trackMany(ids.slice(0, half));
    await waitUntil(async () => (await world.resultsQueue.count()) >= half * 0.3, s.budgetMs);

    // The outage.
    const processes = [a, b, victim, dash].filter((p): p is NodeChild => p !== undefined);
    const linesBefore = processes.map((p) => p.lines.length);
    const resultsBefore = await world.resultsQueue.count();
    await world.redis.down('kill');
    const downAt = Date.now();

    // A producer keeps trying to track the other half, as an upstream service would.
    let refusedTracks = 0;
    let tracked = false;
    const producing = (async () => {
      while (!tracked && Date.now() - downAt < s.downMs + s.budgetMs) {
        try {
          await world.producer.trackMany(ids.slice(half));
          tracked = true;
        } catch {
          refusedTracks += 1;
          await sleep(500);
        }
      }
    })();

    // Scrapes of the two replicas that stay, every second; and SIGTERM to the third half-way through.
    let scrapes = 0;
    let scrapesAnswered = 0;
    let slowestScrapeMs = 0;
    let sawRedisDown = false;
    let terminated: { exitMs: number; code: number | string } | undefined;
    const terminating = (async () => {
      await sleep(s.downMs / 2);
      const at = Date.now();
      victim.process.kill('SIGTERM');
      const code = await victim.exited;
      terminated = { exitMs: Date.now() - at, code };
    })();
    while (Date.now() - downAt < s.downMs) {
      for (const replica of [a, b]) {
        const at = Date.now();
        scrapes += 1;
        const text = await fetch(`http://127.0.0.1:${replica.healthPort}/metrics`, { signal: AbortSignal.timeout(5_000) })
          .then((response) => (response.ok ? response.text() : undefined))
          .catch(() => undefined);
        slowestScrapeMs = Math.max(slowestScrapeMs, Date.now() - at);
        if (text !== undefined) scrapesAnswered += 1;
        if (text && /^regionwatch_redis_up\{[^}]*\} 0$/m.test(text)) sawRedisDown = true;
      }
      await sleep(1_000);
    }
    await terminating;

    await world.redis.up();
    const upAt = Date.now();
    const whileDown = processes.flatMap((p, i) => p.lines.slice(linesBefore[i] ?? 0));
    const linesWhileDown = whileDown.length;
    // What they said, by message: the outage's own lines, and whatever else was logged meanwhile.
    const byMessage = new Map<string, number>();
    for (const line of whileDown) {
      let msg = 'not JSON';
      try {
        msg = String((JSON.parse(line) as { msg?: unknown }).msg);
      } catch {
        // counted as 'not JSON'
      }
      byMessage.set(msg, (byMessage.get(msg) ?? 0) + 1);
    }
    const topMessages = [...byMessage]
      .sort((x, y) => y[1] - x[1])
      .slice(0, 6)
      .map(([msg, n]) => `${n}× "${msg.slice(0, 60)}"`)
      .join('; ');
    const recovered = await waitUntil(async () => (await world.resultsQueue.count().catch(() => 0)) > resultsBefore, s.budgetMs);
    const recoverMs = Date.now() - upAt;
    // Each replica that stayed, and the dashboard, say the outage is over.
    await waitUntil(() => [a, b].every((w) => w.lines.some((line) => line.includes('"Redis connection back"'))), 30_000);
    const outageLines = processes.map((p, i) => p.lines.length - (linesBefore[i] ?? 0));
    const outageText = processes.flatMap((p, i) => p.lines.slice(linesBefore[i] ?? 0));

    await producing;
    const done = async () => (await world.resultsQueue.count().catch(() => 0)) >= s.tasks && world.receiver.accepted.size >= s.tasks;
    await waitUntil(done, s.budgetMs);
    const exitCodes = await world.drain();
    const report = await checkInvariant(world, expected);
    const nonJsonLines = notJson(outageText).length;
    const t = terminated ?? { exitMs: -1, code: 'never' };
    const ok =
      report.ok &&
      recovered &&
      tracked &&
      nonJsonLines === 0 &&
      scrapesAnswered === scrapes &&
      sawRedisDown &&
      t.code === 0 &&
      t.exitMs <= SHUTDOWN_TIMEOUT_MS + 2_000 &&
      exitCodes.every((code) => code === 0);
    return {
      name: `Redis down ${s.downMs / 1000} s (2 replicas, a third stopped meanwhile, dashboard, producer)`,
      size,
      ...report,
      ok,
      wallSeconds: (Date.now() - started) / 1000,
      notes: {
        logLinesWhileDown: linesWhileDown,
        logLinesWhileDownByMessage: topMessages,
        logLinesUntilBack: outageLines.reduce((sum, n) => sum + n, 0),
        logLinesUntilBackPerProcess: `replicas ${outageLines.slice(0, 3).join('/')}, dashboard ${outageLines[3] ?? 0}`,
        nonJsonLines,
        metricsScrapesAnswered: `${scrapesAnswered}/${scrapes}`,
        slowestScrapeMs,
        sigtermExitMs: t.exitMs,
        sigtermExitCode: String(t.code),
        recoverMs,
        producerRefusals: refusedTracks,
      },
    };
  } finally {
    if (dashboard && dashboard.process.exitCode === null) {
      dashboard.process.kill('SIGTERM');
      await dashboard.exited;
    }
    await world.close();
  }
}
