import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { BoardHooks, UIConfig } from '@bull-board/api/typings/app';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { Express } from 'express';
import { redactionHooks, redactingAdapter } from './redact-board.js';

export type BoardOptions = {
  /** Each queue with its name on the board (poll shards: `p<i>.regions-poll`, all of them named `regions-poll` in BullMQ). */
  queues: readonly { queue: Queue; name: string }[];
  /** Where the router is mounted; Bull Board builds its links and API calls from it. */
  basePath: string;
  readOnly: boolean;
  /** Shown in Bull Board's header menu. */
  links: NonNullable<UIConfig['miscLinks']>;
};

/** Bull Board over the given queues, as an Express sub-app to mount at `basePath`. */
export function createBoard(options: BoardOptions): Express {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(options.basePath);
  createBullBoard({
    // Bull Board names a queue `prefix + name` (a display prefix, not BullMQ's key prefix, which lives in each
    // Queue): none for the contract's queues, what operators look for; `p<i>.` for each poll shard.
    queues: options.queues.map(({ queue, name }) => {
      const prefix = name.endsWith(queue.name) ? name.slice(0, name.length - queue.name.length) : '';
      return redactingAdapter(
        new BullMQAdapter(queue, {
          ...(prefix ? { prefix } : {}),
          ...(options.readOnly ? { readOnlyMode: true, allowRetries: false } : {}),
        }),
      );
    }),
    serverAdapter,
    options: {
      uiConfig: { boardTitle: 'regionwatch', miscLinks: options.links },
      handlerHooks: options.readOnly ? { ...redactionHooks, before: readOnlyBefore } : redactionHooks,
    },
  });
  // The adapter is an Express app of its own; its x-powered-by setting is not inherited.
  const board = serverAdapter.getRouter() as Express;
  board.disable('x-powered-by');
  return board;
}

// Belt and braces: per-queue readOnlyMode already answers 405 to every queue action, and this also
// covers board-wide writes (pause all, any route a later Bull Board adds). Nothing is written, so
// the redaction hooks' write check has nothing to add.
const readOnlyBefore: NonNullable<BoardHooks['before']> = ({ method }) =>
  method === 'get' ? { allow: true } : { allow: false, status: 405, errorKey: 'ERRORS.QUEUE_READ_ONLY' };
