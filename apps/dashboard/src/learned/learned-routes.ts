import type { RedisClient } from '@regionwatch/core';
import { Router } from 'express';
import { readLearned } from './learned-view.js';
import { renderLearnedPage } from './render-learned-page.js';

/** `GET /learned` (HTML) and `GET /api/learned` (JSON): adaptive polling's learned completion times per kind. Read-only. */
export function learnedRoutes(deps: { connection: RedisClient; prefix: string }): Router {
  const router = Router();
  router.use(['/learned', '/api/learned'], (_request, response, next) => {
    response.set('cache-control', 'no-store');
    next();
  });
  router.get('/learned', async (_request, response) => {
    response.type('html').send(renderLearnedPage(await readLearned(deps.connection, deps.prefix)));
  });
  router.get('/api/learned', async (_request, response) => {
    response.json(await readLearned(deps.connection, deps.prefix));
  });
  return router;
}
