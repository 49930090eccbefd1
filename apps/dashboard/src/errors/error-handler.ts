import { RegionwatchError, type Logger } from '@regionwatch/core';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { renderErrorPage } from '../html/error-page.js';
import { statusForError } from './status-for-error.js';

/**
 * Errors as JSON under the APIs, as a page elsewhere. Our own errors' messages are written for the
 * reader; anything else unexpected is logged and answered with a generic 500.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, request, response, next) => {
    if (response.headersSent) {
      next(error);
      return;
    }
    const status = statusForError(error);
    const ours = error instanceof RegionwatchError;
    if (status >= 500 && !ours) logger.error({ err: error, method: request.method, path: request.path }, 'request failed');
    const code = ours ? error.code : status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST';
    const message =
      ours || status < 500 ? (error instanceof Error ? error.message : String(error)) : 'Internal error: the dashboard logs say why';
    reply(request.path, response, status, code, message);
  };
}

/** The last handler: nothing matched. */
export const notFoundHandler: RequestHandler = (request, response) => {
  // The path is the client's text: shown escaped, and only so much of it.
  const path = request.path.length > 200 ? `${request.path.slice(0, 200)}…` : request.path;
  reply(request.path, response, 404, 'NOT_FOUND', `Nothing at ${path}`);
};

function reply(path: string, response: Parameters<RequestHandler>[1], status: number, code: string, message: string): void {
  response.status(status).set('cache-control', 'no-store');
  if (path.startsWith('/api/') || path.startsWith('/queues/api/')) response.json({ error: { code, message } });
  else response.type('html').send(renderErrorPage(status, message));
}
