import { createRedisConnection, logRedisOutages, type DashboardConfig, type Logger } from '@regionwatch/core';
import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import { basicAuth } from './auth/basic-auth.js';
import { createBoard } from './board/create-board.js';
import { errorHandler, notFoundHandler } from './errors/error-handler.js';
import { openDashboardQueues } from './queues/dashboard-queues.js';
import { requireRedis } from './queues/require-redis.js';
import { securityHeaders } from './security/security-headers.js';
import { taskRoutes } from './tasks/task-routes.js';

/** Where Bull Board is mounted (the contract's `/queues`). */
export const BOARD_PATH = '/queues';

export type DashboardDeps = {
  config: DashboardConfig;
  /** An ioredis client the caller owns (left open by `close()`), or a Redis URL; default `REDIS_URL`. */
  connection?: Redis | string;
  logger: Logger;
};

export type Dashboard = {
  app: Express;
  /** Closes the queues and, if the app opened it, the Redis connection. The HTTP server is the caller's. */
  close(): Promise<void>;
};

/**
 * The dashboard as an Express app: Bull Board at `/queues`, the task lookup at `/tasks` and
 * `/api/tasks`, `/healthz` — all behind basic auth when DASHBOARD_USER/DASHBOARD_PASSWORD are set,
 * except `/healthz`, which probes (Kubernetes) call without credentials and which reveals nothing.
 */
export function createApp(deps: DashboardDeps): Dashboard {
  const { config, logger } = deps;
  const ownsConnection = typeof deps.connection !== 'object';
  // A dashboard request should fail fast while Redis is away, not hang.
  const connection =
    typeof deps.connection === 'object' ? deps.connection : createRedisConnection(deps.connection ?? config.REDIS_URL, 'fail-fast');
  if (ownsConnection) logRedisOutages(connection, logger);
  const queues = openDashboardQueues({ connection, prefix: config.REGIONWATCH_PREFIX, resultsQueue: config.RESULTS_QUEUE, logger });

  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders());
  app.get('/healthz', (_request, response) => {
    response.set('cache-control', 'no-store').json({ status: 'ok' });
  });
  if (config.DASHBOARD_USER !== undefined && config.DASHBOARD_PASSWORD !== undefined) {
    app.use(basicAuth({ user: config.DASHBOARD_USER, password: config.DASHBOARD_PASSWORD }));
  }
  app.get('/', (_request, response) => response.redirect(BOARD_PATH));
  // The routes that read Redis answer 503 quickly while it is away; the UI shell and assets still load.
  app.use([`${BOARD_PATH}/api`, '/api/tasks', '/tasks/:taskId'], requireRedis(connection));
  app.use(
    BOARD_PATH,
    createBoard({
      queues: queues.all,
      basePath: BOARD_PATH,
      readOnly: config.DASHBOARD_READONLY,
      links: [{ text: 'Task lookup', url: '/tasks' }],
    }),
  );
  app.use(taskRoutes({ queues, boardBasePath: BOARD_PATH }));
  app.use(notFoundHandler);
  app.use(errorHandler(logger));

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await queues.close();
      if (ownsConnection) connection.disconnect();
    })());
  return { app, close };
}
