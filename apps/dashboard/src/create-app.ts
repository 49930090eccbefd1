import {
  assertPrefixFitsConnection,
  createRedisConnection,
  isRedisClient,
  logRedisOutages,
  redisTargetFrom,
  type DashboardConfig,
  type Logger,
  type RedisConnectionInput,
} from '@regionwatch/core';
import { RegionTaskProducer } from '@regionwatch/producer';
import express, { type Express } from 'express';
import { basicAuth } from './auth/basic-auth.js';
import { createLoginLimiter, type LoginFailureLimit } from './auth/login-limiter.js';
import { hasCredentials } from './listen-host.js';
import { createBoard } from './board/create-board.js';
import { errorHandler, notFoundHandler } from './errors/error-handler.js';
import { openDashboardQueues } from './queues/dashboard-queues.js';
import { requireRedis } from './queues/require-redis.js';
import { hostGuard } from './security/host-guard.js';
import { sameOriginGuard } from './security/same-origin-guard.js';
import { securityHeaders } from './security/security-headers.js';
import { taskRoutes } from './tasks/task-routes.js';
import { endpointRoutes } from './webhooks/endpoint-routes.js';
import { learnedRoutes } from './learned/learned-routes.js';

/** How long the untrack button waits for a worker to end the task before answering `requested`. */
const UNTRACK_WAIT_MS = 10_000;

/** Where Bull Board is mounted (the contract's `/queues`). */
export const BOARD_PATH = '/queues';

export type DashboardDeps = {
  config: DashboardConfig;
  /**
   * An ioredis client (Redis or Cluster) the caller owns (left open by `close()`), a Redis URL or a
   * `RedisTarget`; default: the config's REDIS_* settings.
   */
  connection?: RedisConnectionInput;
  logger: Logger;
  /** Failed logins per client before it is refused for the rest of the window; default 10 in 15 minutes. */
  loginFailureLimit?: LoginFailureLimit;
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
  const given = deps.connection ?? redisTargetFrom(config);
  // A client of the caller's on a Cluster needs a hash-tag prefix (the config's own settings are checked at start-up).
  if (isRedisClient(given)) assertPrefixFitsConnection(given, config.REGIONWATCH_PREFIX);
  const ownsConnection = !isRedisClient(given);
  // A dashboard request should fail fast while Redis is away, not hang.
  const connection = isRedisClient(given) ? given : createRedisConnection(given, 'fail-fast');
  if (ownsConnection) logRedisOutages(connection, logger);
  const queues = openDashboardQueues({
    connection,
    prefix: config.REGIONWATCH_PREFIX,
    resultsQueue: config.RESULTS_QUEUE,
    shards: config.POLL_SHARDS,
    logger,
  });

  const app = express();
  app.disable('x-powered-by');
  // Only for the client address the failed-login limit keys on; Host checks read the raw header.
  if (config.DASHBOARD_TRUST_PROXY !== undefined) app.set('trust proxy', config.DASHBOARD_TRUST_PROXY);
  app.use(securityHeaders());
  app.get('/healthz', (_request, response) => {
    response.set('cache-control', 'no-store').json({ status: 'ok' });
  });
  // DNS rebinding: without credentials only loopback names (and DASHBOARD_ALLOWED_HOSTS) are
  // answered; with credentials a rebinding page has none to send, so only a non-empty list is enforced.
  const credentials = hasCredentials(config);
  app.use(
    hostGuard({ allowedHosts: config.DASHBOARD_ALLOWED_HOSTS, enforce: !credentials || config.DASHBOARD_ALLOWED_HOSTS.length > 0, logger }),
  );
  if (config.DASHBOARD_USER !== undefined && config.DASHBOARD_PASSWORD !== undefined) {
    const limiter = createLoginLimiter({ connection, prefix: config.REGIONWATCH_PREFIX, limit: deps.loginFailureLimit });
    app.use(basicAuth({ user: config.DASHBOARD_USER, password: config.DASHBOARD_PASSWORD }, { limiter, logger }));
  }
  // After auth, so a refusal logged here means the browser did send valid credentials (CSRF rides on them).
  app.use(sameOriginGuard({ trustedHosts: config.DASHBOARD_ALLOWED_HOSTS, logger }));
  app.get('/', (_request, response) => response.redirect(BOARD_PATH));
  // The routes that read Redis answer 503 quickly while it is away; the UI shell and assets still load.
  app.use(
    [
      `${BOARD_PATH}/api`,
      '/api/tasks',
      '/tasks/:taskId',
      '/tasks/:taskId/untrack',
      '/webhooks',
      '/api/webhooks',
      '/learned',
      '/api/learned',
    ],
    requireRedis(connection),
  );
  app.use(
    BOARD_PATH,
    createBoard({
      queues: queues.all.map((queue) => ({ queue, name: queues.boardName(queue) })),
      basePath: BOARD_PATH,
      readOnly: config.DASHBOARD_READONLY,
      links: [
        { text: 'Task lookup', url: '/tasks' },
        { text: 'Webhook endpoints', url: '/webhooks' },
        { text: 'Learned completion times', url: '/learned' },
      ],
    }),
  );
  // The producer's untrack on the dashboard's connection (the producer leaves a connection it was given open).
  const producer = new RegionTaskProducer({ connection, prefix: config.REGIONWATCH_PREFIX, shards: config.POLL_SHARDS });
  app.use(
    taskRoutes({
      queues,
      boardBasePath: BOARD_PATH,
      readOnly: config.DASHBOARD_READONLY,
      untrack: async (taskId) => (await producer.untrack(taskId, { waitMs: UNTRACK_WAIT_MS })).outcome,
    }),
  );
  app.use(endpointRoutes({ connection, prefix: config.REGIONWATCH_PREFIX, shards: config.POLL_SHARDS }));
  app.use(learnedRoutes({ connection, prefix: config.REGIONWATCH_PREFIX }));
  app.use(notFoundHandler);
  app.use(errorHandler(logger));

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await queues.close();
      await producer.close();
      if (ownsConnection) connection.disconnect();
    })());
  return { app, close };
}
