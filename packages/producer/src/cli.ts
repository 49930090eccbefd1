#!/usr/bin/env node
import { createInterface } from 'node:readline';
import {
  ConfigError,
  describeRedisTarget,
  parseCommandLine,
  loadTrackConfig,
  pollKindSchema,
  redisTargetFrom,
  type RedisTarget,
} from '@regionwatch/core';
import { fail, millisecondsOption } from './cli-support.js';
import { firstPollSettingsOf } from './first-poll-planner.js';
import { RegionTaskProducer, type TrackManyOutcome } from './region-task-producer.js';
import { ResultTimeoutError } from './result-timeout-error.js';
import { statusLine } from './status-line.js';

const USAGE = `usage: npm run track -- [--webhook URL] [--meta key=value]... [--kind K] [--wait [--timeout MS]] [ID...]
       npm run track -- --status ID...
  Tracks Aspose region-detection task ids. With no ID (or "-"), reads ids from stdin, one a line.
  Prints "created ID", "duplicate ID" or "merged ID" (--webhook added to a pending task) per id; a bad
  id gets an error line and exit code 1 (the good ids are still tracked).
  --wait: then prints "result ID <RegionResult JSON>" for each id as its result arrives ("timeout ID"
  after --timeout ms, default 600000; exit code 1).
  --kind: a short label (1-64 of A-Z a-z 0-9 . _ -); adaptive polling learns completion times per kind.
  --status: prints where each id is, one line per id, and changes nothing.
  Redis comes from REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES
  (and their REDIS_* companions), the key prefix from REGIONWATCH_PREFIX.`;

const BATCH = 1_000;

const args = parseCommandLine(USAGE, {
  allowPositionals: true,
  options: {
    webhook: { type: 'string' },
    meta: { type: 'string', multiple: true },
    kind: { type: 'string' },
    wait: { type: 'boolean' },
    timeout: { type: 'string' },
    status: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});

const flags = args.values;
const timeoutMs = millisecondsOption('--timeout', args.values.timeout, 600_000);
if (args.values.status && (args.values.wait || args.values.webhook !== undefined || args.values.meta || args.values.kind !== undefined)) {
  fail(`--status only reads: it takes no --wait, --webhook, --meta or --kind\n${USAGE}`);
}
if (args.values.kind !== undefined && !pollKindSchema.safeParse(args.values.kind).success) {
  fail(`--kind ${JSON.stringify(args.values.kind)}: must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit`);
}

const metadata: Record<string, string> = {};
for (const pair of args.values.meta ?? []) {
  const at = pair.indexOf('=');
  if (at <= 0) fail(`--meta expects key=value, got ${JSON.stringify(pair)}`);
  metadata[pair.slice(0, at)] = pair.slice(at + 1);
}

let config;
let target: RedisTarget;
try {
  config = loadTrackConfig();
  target = redisTargetFrom(config);
} catch (error) {
  fail(error instanceof ConfigError ? error.message : String(error));
}

const producer = new RegionTaskProducer({
  connection: target,
  prefix: config.REGIONWATCH_PREFIX,
  shards: config.POLL_SHARDS,
  polling: firstPollSettingsOf(config),
});
const options = {
  ...(args.values.webhook === undefined ? {} : { webhookUrl: args.values.webhook }),
  ...(args.values.meta ? { metadata } : {}),
  ...(args.values.kind === undefined ? {} : { kind: args.values.kind }),
};
let bad = 0;
const waits: Promise<void>[] = [];

/** Prints the task's result when it arrives (no polling: the producer's one subscriber is shared). */
function waitFor(taskId: string): void {
  waits.push(
    producer.waitForResult(taskId, { timeoutMs }).then(
      (result) => console.log(`result ${taskId} ${JSON.stringify(result)}`),
      (error: unknown) => {
        bad += 1;
        if (error instanceof ResultTimeoutError) console.log(`timeout ${taskId}`);
        else console.error(`error ${JSON.stringify(taskId)}: ${(error as Error).message}`);
      },
    ),
  );
}

async function printStatus(ids: string[]): Promise<void> {
  for (const taskId of ids) {
    try {
      console.log(statusLine(await producer.status(taskId)));
    } catch (error) {
      bad += 1;
      console.error(`error ${JSON.stringify(taskId)}: ${(error as Error).message}`);
    }
  }
}

async function track(ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  if (flags.status) return printStatus(ids);
  const outcomes: TrackManyOutcome[] = await producer.trackMany(ids.map((taskId) => ({ taskId, ...options })));
  for (const outcome of outcomes) {
    if (outcome.ok) {
      console.log(`${outcome.created ? 'created' : outcome.merged ? 'merged' : 'duplicate'} ${outcome.taskId}`);
      if (flags.wait) waitFor(outcome.taskId);
    } else {
      bad += 1;
      console.error(`error ${JSON.stringify(outcome.taskId)}: ${outcome.error.message}`);
    }
  }
}

try {
  await producer.waitUntilReady();
  const positionals = args.positionals;
  if (positionals.length === 0 || (positionals.length === 1 && positionals[0] === '-')) {
    let batch: string[] = [];
    for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
      if (line === '') continue; // blank lines (e.g. a trailing newline) are not ids
      batch.push(line);
      if (batch.length >= BATCH) {
        await track(batch);
        batch = [];
      }
    }
    await track(batch);
  } else {
    await track(positionals);
  }
  await Promise.all(waits);
} catch (error) {
  const message = `could not track: ${(error as Error).message} (Redis: ${describeRedisTarget(target)})`;
  await Promise.race([producer.close().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 500))]);
  fail(message);
}
await producer.close();
// Not process.exit(): piped stdout may still be flushing thousands of lines.
process.exitCode = bad > 0 ? 1 : 0;
