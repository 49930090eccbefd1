import { parseHost, type Logger, type ParsedHost } from '@regionwatch/core';
import type { RequestHandler } from 'express';
import { MisdirectedRequestError } from '../errors/misdirected-request-error.js';

/** Always answered, on any port: a browser only sends these for a page the user opened on this machine. */
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Attacker-chosen text is logged only this long. */
const MAX_LOGGED = 100;

/**
 * DNS rebinding defence: a page on `attacker.example` whose name is re-pointed at 127.0.0.1 reaches
 * the dashboard as "same-origin", but its requests still say `Host: attacker.example`. When
 * `enforce` is on, only loopback names and the `allowedHosts` (`name` = any port, `name:port` = that
 * port) are answered; everything else gets 421. The raw Host header is checked, never
 * X-Forwarded-Host, which the client could choose.
 */
export function hostGuard(options: { allowedHosts: readonly string[]; enforce: boolean; logger: Logger }): RequestHandler {
  const allowed = options.allowedHosts.map(parseHost).filter((host): host is ParsedHost => host !== undefined);
  const answers = (host: ParsedHost) =>
    LOOPBACK_NAMES.has(host.hostname) ||
    allowed.some((a) => a.hostname === host.hostname && (a.port === undefined || a.port === host.port));
  return (request, _response, next) => {
    if (!options.enforce) return next();
    const raw = request.headers.host ?? '';
    const host = parseHost(raw);
    if (host && answers(host)) return next();
    options.logger.info(
      { host: raw.slice(0, MAX_LOGGED), method: request.method, path: request.path.slice(0, MAX_LOGGED) },
      'request refused: Host is not one this dashboard answers to',
    );
    next(new MisdirectedRequestError());
  };
}
