import { Router } from 'express';
import { InvalidTaskIdError } from '../errors/invalid-task-id-error.js';
import type { DashboardQueues } from '../queues/dashboard-queues.js';
import { lookupTask } from './lookup-task.js';
import { parseTaskId } from './parse-task-id.js';
import { renderLookupPage } from './render-lookup-page.js';
import { renderTaskPage, UNTRACK_NOTICES, type UntrackOutcome } from './render-task-page.js';

/**
 * `GET /tasks` (the lookup form), `GET /tasks/:taskId` (HTML), `GET /api/tasks/:taskId` (JSON) and
 * `POST /tasks/:taskId/untrack` (the producer's `untrack`: the task ends `Cancelled`). The one mutating
 * route is refused (405) and its button hidden with DASHBOARD_READONLY; cross-origin posts are refused
 * before it by the app's same-origin guard. Errors go to the app's handler.
 */
export function taskRoutes(deps: {
  queues: DashboardQueues;
  boardBasePath: string;
  readOnly: boolean;
  untrack: (taskId: string) => Promise<UntrackOutcome>;
}): Router {
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
    const said = request.query.untracked;
    const notice = Object.keys(UNTRACK_NOTICES).find((outcome): outcome is UntrackOutcome => outcome === said);
    response.type('html').send(renderTaskPage(view, { canUntrack: !deps.readOnly, ...(notice ? { untracked: notice } : {}) }));
  });

  router.post('/tasks/:taskId/untrack', async (request, response) => {
    if (deps.readOnly) {
      response.status(405).set('allow', 'GET').type('text').send('read-only dashboard (DASHBOARD_READONLY): untrack is disabled');
      return;
    }
    const taskId = parseTaskId(request.params.taskId);
    const outcome = await deps.untrack(taskId);
    response.redirect(303, `/tasks/${encodeURIComponent(taskId)}?untracked=${outcome}`);
  });

  router.get('/api/tasks/:taskId', async (request, response) => {
    response.json(await lookupTask(deps.queues, request.params.taskId, deps.boardBasePath));
  });
  return router;
}
