#!/usr/bin/env node
import {
  ConfigError,
  describeRedisTarget,
  parseCommandLine,
  loadProducerConfig,
  redisTargetFrom,
  type ProducerConfig,
} from '@regionwatch/core';
import { fail, millisecondsOption } from './cli-support.js';
import { RegionTaskProducer, type UntrackResult } from './region-task-producer.js';

const USAGE = `usage: npm run untrack -- [--cancel-at-aspose] [--wait-ms MS] ID...
  Stops polling pending tasks: each ends with status Cancelled, delivered like any result.
  Prints one line per id: "cancelled ID", "requested ID" (marked; no worker ended it within --wait-ms,
  default 30000: the next run will), "already-finished ID STATUS" or "not-found ID" (nothing changed).
  --cancel-at-aspose also deletes each cancelled task at Aspose (ASPOSE_* variables); a failed delete
  prints "aspose-failed ID: why" and makes the exit code 1, the untrack itself stands.`;

const args = parseCommandLine(USAGE, {
  allowPositionals: true,
  options: { 'cancel-at-aspose': { type: 'boolean' }, 'wait-ms': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
if (args.positionals.length === 0) fail(`no task id given\n${USAGE}`);
const waitMs = millisecondsOption('--wait-ms', args.values['wait-ms'], 30_000);
const cancelAtAspose = args.values['cancel-at-aspose'] === true;

let config: ProducerConfig;
try {
  config = loadProducerConfig();
} catch (error) {
  fail(error instanceof ConfigError ? error.message : String(error));
}
const producer = RegionTaskProducer.fromConfig(config);
let bad = 0;

function line(outcome: UntrackResult): string {
  if (outcome.outcome === 'already-finished') return `already-finished ${outcome.taskId} ${outcome.result?.status ?? ''}`.trimEnd();
  return `${outcome.outcome} ${outcome.taskId}`;
}

try {
  await producer.waitUntilReady();
  const outcomes = await Promise.all(args.positionals.map((taskId) => producer.untrack(taskId, { cancelAtAspose, waitMs })));
  for (const outcome of outcomes) {
    console.log(line(outcome));
    if (outcome.aspose?.deleted === false) {
      bad += 1;
      console.log(`aspose-failed ${outcome.taskId}: ${outcome.aspose.error}`);
    } else if (outcome.aspose?.deleted) console.log(`aspose-deleted ${outcome.taskId}`);
  }
} catch (error) {
  const message = `could not untrack: ${(error as Error).message} (Redis: ${describeRedisTarget(redisTargetFrom(config))})`;
  await Promise.race([producer.close().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 500))]);
  fail(message);
}
await producer.close();
process.exitCode = bad > 0 ? 1 : 0;
