import { Router } from 'express';
import { InvalidTaskIdError } from '../errors/invalid-task-id-error.js';
import type { DashboardQueues } from '../queues/dashboard-queues.js';
import { lookupTask } from './lookup-task.js';
import { parseTaskId } from './parse-task-id.js';
import { renderLookupPage } from './render-lookup-page.js';
import { renderTaskPage } from './render-task-page.js';

/**
 * `GET /tasks` (the lookup form), `GET /tasks/:taskId` (HTML) and `GET /api/tasks/:taskId` (JSON).
 * Read-only by nature, so `DASHBOARD_READONLY` changes nothing here. Errors go to the app's handler.
 */
export function taskRoutes(deps: { queues: DashboardQueues; boardBasePath: string }): Router {
  const router = Router();
  router.use(['/tasks', '/api/tasks'], (_request, response, next) => {
    // Task state changes every poll; a cached page would show a stale one.
    response.set('cache-control', 'no-store');
    next();
  });

  router.get('/tasks', (request, response) => {
    const raw = request.query.taskId;
    if (raw === undefined) {
      response.type('html').send(renderLookupPage());
      return;
    }
    const entered = typeof raw === 'string' ? raw.trim() : '';
    try {
      response.redirect(303, `/tasks/${encodeURIComponent(parseTaskId(entered))}`);
    } catch (error) {
      if (!(error instanceof InvalidTaskIdError)) throw error;
      response
        .status(400)
        .type('html')
        .send(renderLookupPage({ taskId: entered, problem: error.message }));
    }
  });

  router.get('/tasks/:taskId', async (request, response) => {
    const view = await lookupTask(deps.queues, request.params.taskId, deps.boardBasePath);
    response.type('html').send(renderTaskPage(view));
  });

  router.get('/api/tasks/:taskId', async (request, response) => {
    response.json(await lookupTask(deps.queues, request.params.taskId, deps.boardBasePath));
  });
  return router;
}
