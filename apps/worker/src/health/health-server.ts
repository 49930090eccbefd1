import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { Readiness } from './readiness.js';

export type HealthDeps = {
  readiness: Readiness;
  registry: Registry;
  /** Resolves true when Redis answers a PING in time. */
  pingRedis: () => Promise<boolean>;
};

/** `/healthz`, `/readyz`, `/metrics` on one small HTTP server (no framework needed for three routes). */
export function createHealthServer(deps: HealthDeps): Server {
  return createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const reply = (status: number, contentType: string, body: string) => {
      response
        .writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' })
        .end(request.method === 'HEAD' ? undefined : body);
    };
    const fail = (error: unknown) => reply(500, 'text/plain; charset=utf-8', `error: ${(error as Error).message}\n`);
    switch (path) {
      case '/healthz':
        reply(200, 'application/json', '{"status":"ok"}\n');
        return;
      case '/readyz':
        deps
          .pingRedis()
          .then((redisAnswers) => {
            const reasons = deps.readiness.reasons(redisAnswers);
            reply(reasons.length === 0 ? 200 : 503, 'application/json', `${JSON.stringify({ ready: reasons.length === 0, reasons })}\n`);
          })
          .catch(fail);
        return;
      case '/metrics':
        deps.registry
          .metrics()
          .then((text) => reply(200, deps.registry.contentType, text))
          .catch(fail);
        return;
      default:
        reply(404, 'text/plain; charset=utf-8', 'not found\n');
    }
  });
}
