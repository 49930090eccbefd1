import { pino, type DestinationStream, type Logger } from 'pino';
import { redactUrlsIn } from './redact-url.js';

export type { Logger } from 'pino';

/**
 * Paths pino masks wherever they appear at the top level or one level down (pino's `*` matches
 * one level). Tokens, client secrets, webhook secrets and authorization headers never reach a log.
 */
export const REDACTED_PATHS: readonly string[] = [
  'authorization',
  'Authorization',
  'token',
  'accessToken',
  'access_token',
  'client_secret',
  'clientSecret',
  'secret',
  'password',
  'webhookSecret',
  'ASPOSE_CLIENT_SECRET',
  'WEBHOOK_SECRET',
  'DASHBOARD_PASSWORD',
].flatMap((key) => [key, `*.${key}`, `headers.${key}`, `*.headers.${key}`, `req.headers.${key}`]);

/**
 * JSON-lines logger with secrets redacted; `destination` lets tests capture the lines.
 *
 * Two nets: `REDACTED_PATHS` masks fields named like secrets, and every finished line goes through
 * core's `redactUrlsIn` — message, fields, child bindings, errors' messages and stacks alike — so a
 * webhook token or a Redis password inside a URL never reaches a log, whichever code logged it.
 * (Safe on JSON text: a URL match stops at a quote or a backslash, and what replaces it needs no escaping.)
 */
export function createLogger(options: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      ...(options.name ? { name: options.name } : {}),
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: { streamWrite: (line) => (line.includes('://') ? redactUrlsIn(line) : line) },
    },
    options.destination,
  );
}
