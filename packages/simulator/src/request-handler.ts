import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleControl } from './control-endpoints.js';
import type { Endpoint } from './endpoint.js';
import type { FaultInjector } from './fault-injector.js';
import type { HeldRequests } from './held-requests.js';
import { matchRoute } from './http/match-route.js';
import { problemReply } from './http/problem-details.js';
import { queryParam } from './http/query-param.js';
import { readBody } from './http/read-body.js';
import type { Reply } from './http/reply.js';
import { statusForError } from './http/status-for-error.js';
import { writeReply } from './http/write-reply.js';
import { handleCancel, handleGet, handleSubmit } from './ocr-endpoints.js';
import type { RequestStats } from './request-stats.js';
import type { ResolvedOptions } from './simulator-options.js';
import type { SimulatorControls } from './simulator.js';
import type { TaskStore } from './task-store.js';
import { handleToken } from './token-endpoint.js';
import type { TokenStore } from './token-store.js';

/** Large enough for a scanned page as base64, small enough that a runaway client cannot exhaust memory. */
const BODY_LIMIT_BYTES = 64 * 1024 * 1024;

export type SimulatorParts = {
  options: ResolvedOptions;
  tasks: TaskStore;
  tokens: TokenStore;
  stats: RequestStats;
  faults: FaultInjector;
  controls: SimulatorControls;
  /** Requests a latency fault is holding: released early on request, dropped on close. */
  held: HeldRequests;
};

/** The `node:http` request listener: routing, counting, faults, auth, then the endpoint. */
export function createRequestHandler(parts: SimulatorParts): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (parts.options.logRequests) logWhenDone(req, res);
    handle(parts, req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const status = statusForError(error);
      const detail = error instanceof Error ? error.message : String(error);
      // After a 413 the rest of the body is still on the wire: close rather than reuse the connection.
      writeReply(res, problemReply(status, { detail }, status === 413 ? { connection: 'close' } : {}));
    });
  };
}

async function handle(parts: SimulatorParts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', 'http://simulator.invalid');
  const route = matchRoute(method, url.pathname);
  switch (route.kind) {
    case 'control':
      writeReply(res, handleControl(method, route.path, await readBody(req, BODY_LIMIT_BYTES), parts.controls));
      return;
    case 'not-found':
      writeReply(res, problemReply(404));
      return;
    case 'method-not-allowed':
      writeReply(res, problemReply(405, {}, { allow: route.allow }));
      return;
    case 'aspose':
      await handleAspose(parts, route.endpoint, method, url, req, res);
  }
}

async function handleAspose(
  parts: SimulatorParts,
  endpoint: Endpoint,
  method: string,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { stats, faults, tokens, options } = parts;
  const entry = stats.arrived(endpoint, options.now(), queryParam(url, 'id'));
  res.once('finish', () => {
    entry.status = res.statusCode;
  });
  const body = await readBody(req, BODY_LIMIT_BYTES);

  const delayMs = faults.latencyMs(endpoint);
  if (delayMs > 0) {
    stats.fault();
    if ((await parts.held.hold(delayMs)) === 'shutdown') {
      res.destroy(); // shutting down: the connection is going away anyway
      return;
    }
  }

  const fault = faults.decide(endpoint, method);
  if (fault.kind === 'reset') {
    stats.fault();
    req.socket.resetAndDestroy();
    return;
  }
  if (fault.kind === 'reply') {
    stats.fault();
    writeReply(res, fault.reply);
    return;
  }

  if (endpoint !== 'token') {
    const rejection = tokens.check(req.headers.authorization);
    if (rejection !== null) {
      stats.unauthorized();
      writeReply(res, unauthorized(rejection));
      return;
    }
  }

  let reply = route(parts, endpoint, url, req, body);
  if (reply.status === 200 && faults.truncate(endpoint)) {
    stats.fault();
    reply = { ...reply, body: (reply.body ?? '').slice(0, Math.floor((reply.body ?? '').length / 2)) };
  }
  writeReply(res, reply);
}

function route(parts: SimulatorParts, endpoint: Endpoint, url: URL, req: IncomingMessage, body: string): Reply {
  switch (endpoint) {
    case 'token':
      return handleToken(body, req.headers['content-type'], req.headers.authorization, parts.options, parts.tokens);
    case 'submit':
      return handleSubmit(body, req.headers['content-type'], parts.tasks);
    case 'get':
      return handleGet(url, parts.tasks, true);
    case 'status':
      return handleGet(url, parts.tasks, false);
    case 'cancel':
      return handleCancel(url, parts.tasks);
  }
}

function unauthorized(rejection: string): Reply {
  // The body is ASP.NET's ProblemDetails; the header is what JwtBearer sends, which SDKs read.
  const description = rejection === 'missing' ? '' : `, error_description="The token is ${rejection}"`;
  const challenge = rejection === 'missing' ? 'Bearer' : `Bearer error="invalid_token"${description}`;
  return problemReply(
    401,
    { detail: rejection === 'missing' ? 'No bearer token was sent.' : `The bearer token is ${rejection}.` },
    { 'www-authenticate': challenge },
  );
}

function logWhenDone(req: IncomingMessage, res: ServerResponse): void {
  const started = performance.now();
  res.once('close', () => {
    const status = res.headersSent ? String(res.statusCode) : 'reset';
    const ms = (performance.now() - started).toFixed(1);
    process.stderr.write(`[simulator] ${new Date().toISOString()} ${req.method ?? '?'} ${req.url ?? '?'} ${status} ${ms}ms\n`);
  });
}
