import { Router } from 'express';
import type { RedisClient } from '@regionwatch/core';
import { readEndpoints } from './endpoint-view.js';
import { renderEndpointsPage } from './render-endpoints-page.js';

/** `GET /webhooks` (HTML) and `GET /api/webhooks` (JSON): every webhook endpoint's health. Read-only. */
export function endpointRoutes(deps: { connection: RedisClient; prefix: string; shards?: number }): Router {
  const router = Router();
  router.use(['/webhooks', '/api/webhooks'], (_request, response, next) => {
    response.set('cache-control', 'no-store'); // the breaker's state changes by the second
    next();
  });
  router.get('/webhooks', async (_request, response) => {
    response.type('html').send(renderEndpointsPage(await readEndpoints(deps.connection, deps.prefix, Date.now(), deps.shards)));
  });
  router.get('/api/webhooks', async (_request, response) => {
    response.json(await readEndpoints(deps.connection, deps.prefix, Date.now(), deps.shards));
  });
  return router;
}
