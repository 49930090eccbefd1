// What the BullMQ baseline children share: their command line (the bench passes the same options to each)
// and waiting for every task to complete.
import { parseArgs } from 'node:util';
import type { Worker } from 'bullmq';

export type BaselineArgs = {
  redisUrl: string;
  prefix: string | undefined;
  tasks: number;
  polls: number;
  concurrency: number;
  /** Baseline (c) only: where each step's GET goes, and its bearer token. */
  url: string | undefined;
  token: string | undefined;
};

export function readBaselineArgs(): BaselineArgs {
  const { values } = parseArgs({
    options: {
      redis: { type: 'string' },
      prefix: { type: 'string' },
      tasks: { type: 'string' },
      polls: { type: 'string' },
      concurrency: { type: 'string' },
      url: { type: 'string' },
      token: { type: 'string' },
    },
  });
  return {
    redisUrl: values.redis ?? '',
    prefix: values.prefix,
    tasks: Number(values.tasks),
    polls: Number(values.polls),
    concurrency: Number(values.concurrency),
    url: values.url,
    token: values.token,
  };
}

/** Resolves when `worker` has completed `tasks` jobs. */
export function allCompleted(worker: Worker, tasks: number): Promise<void> {
  let done = 0;
  return new Promise<void>((resolve) =>
    worker.on('completed', () => {
      done += 1;
      if (done === tasks) resolve();
    }),
  );
}
