import { pino, type DestinationStream, type Logger } from 'pino';

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

/** JSON-lines logger with secrets redacted; `destination` lets tests capture the lines. */
export function createLogger(options: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      ...(options.name ? { name: options.name } : {}),
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
