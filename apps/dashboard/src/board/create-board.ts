import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { BoardHooks, UIConfig } from '@bull-board/api/typings/app';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { Express } from 'express';
import { redactionHooks, redactingAdapter } from './redact-board.js';

export type BoardOptions = {
  queues: readonly Queue[];
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
    // No display prefix: Bull Board names queues by `prefix + name`, and the contract's names are
    // what operators look for. The BullMQ key prefix lives in each Queue already.
    queues: options.queues.map((queue) =>
      redactingAdapter(new BullMQAdapter(queue, options.readOnly ? { readOnlyMode: true, allowRetries: false } : {})),
    ),
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
