import { runJsonChild } from '../child-process.js';
import type { BenchContext } from '../context.js';

export type BareRun = { requests: number; seconds: number; cpuSeconds: number; perSecond: number; cpuMsPerRequest: number };

async function token(ctx: BenchContext): Promise<string> {
  const { clientId, clientSecret } = ctx.simulator.credentials;
  const response = await fetch(ctx.simulator.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Baseline (a): the same GET in a bare loop at concurrency C, one process, no queue. */
export async function bareHttp(
  ctx: BenchContext,
  client: 'got' | 'undici' | 'fetch',
  concurrency: number,
  requests: number,
): Promise<BareRun> {
  const taskId = ctx.simulator.createTask({ notReadyPolls: Number.MAX_SAFE_INTEGER }); // always Pending, like most polls
  const url = `${ctx.simulator.url}/v5.0/ocr/DetectRegions?id=${taskId}`;
  const run = await runJsonChild<{ requests: number; seconds: number; cpuSeconds: number }>('bench/src/bare-http-child.ts', [
    `--client=${client}`,
    `--url=${url}`,
    `--token=${await token(ctx)}`,
    `--concurrency=${concurrency}`,
    `--requests=${requests}`,
  ]);
  return { ...run, perSecond: run.requests / run.seconds, cpuMsPerRequest: (run.cpuSeconds * 1000) / run.requests };
}

/** Baseline (b): the same delayed-job pattern (k − 1 re-delays, then a result job) with no HTTP. */
export async function bareBullmq(ctx: BenchContext, tasks: number, polls: number, concurrency: number): Promise<BareRun> {
  const run = await runJsonChild<{ polls: number; seconds: number; cpuSeconds: number }>('bench/src/bare-bullmq-child.ts', [
    '--redis',
    ctx.redisUrl,
    '--prefix',
    ctx.freshPrefix('bare'),
    '--tasks',
    String(tasks),
    '--polls',
    String(polls),
    '--concurrency',
    String(concurrency),
  ]);
  return pollRun(run);
}

/** A child's polls and times as the figures the report compares. */
function pollRun(run: { polls: number; seconds: number; cpuSeconds: number }): BareRun {
  return {
    requests: run.polls,
    seconds: run.seconds,
    cpuSeconds: run.cpuSeconds,
    perSecond: run.polls / run.seconds,
    cpuMsPerRequest: (run.cpuSeconds * 1000) / run.polls,
  };
}

export type StepRun = BareRun & {
  /** Redis commands per step (every GET is one step), enqueue included, as `INFO commandstats` counts them. */
  commandsPerStep: number;
  /** The commands it used, largest first. */
  commands: [string, number][];
};

/**
 * Baseline (c): BullMQ's documented step-job pattern (`updateData` of a small step + `moveToDelayed` +
 * `DelayedError`) with one GET per step through the worker's HTTP client (undici) — the floor a
 * durable poll loop built on BullMQ can reach, in the same run as the worker.
 */
export async function bareStepHttp(ctx: BenchContext, tasks: number, polls: number, concurrency: number): Promise<StepRun> {
  const taskId = ctx.simulator.createTask({ notReadyPolls: Number.MAX_SAFE_INTEGER });
  const run = await runJsonChild<{ polls: number; seconds: number; cpuSeconds: number; commands: [string, number][] }>(
    'bench/src/bare-step-http-child.ts',
    [
      `--redis=${ctx.redisUrl}`,
      `--prefix=${ctx.freshPrefix('step')}`,
      `--tasks=${tasks}`,
      `--polls=${polls}`,
      `--concurrency=${concurrency}`,
      `--url=${ctx.simulator.url}/v5.0/ocr/DetectRegions?id=${taskId}`,
      `--token=${await token(ctx)}`,
    ],
  );
  const total = run.commands.reduce((sum, [, calls]) => sum + calls, 0);
  return {
    ...pollRun(run),
    commandsPerStep: total / run.polls,
    commands: run.commands,
  };
}
