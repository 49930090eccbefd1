import { z } from 'zod';
import { pollingEnvShape } from './polling-env.js';

// Environment values are strings. `loadConfig` turns empty strings into "unset" before parsing,
// except RESULTS_QUEUE, where the contract gives "" a meaning (disable the results queue).
const int = (min: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(Number.MAX_SAFE_INTEGER));

const positiveNumber = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'must be a positive number')
  .transform(Number)
  .pipe(z.number().positive('must be greater than 0'));

const bool = z
  .string()
  .transform((v) => v.toLowerCase())
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' }))
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });

const optionalString = z.string().optional();

/**
 * Every variable of the public contract (`shared/contract.md`, "Configuration"), parsed once at
 * start-up. Defaults live here and only here.
 */
export const configSchema = z
  .object({
    /** Redis or Valkey 6.2+; `rediss://` for TLS. */
    REDIS_URL: z.url({ protocol: /^rediss?$/, message: 'must be a redis:// or rediss:// URL' }).default('redis://127.0.0.1:6379'),
    /** BullMQ key prefix; `{regionwatch}` (a hash tag) on Redis Cluster. */
    REGIONWATCH_PREFIX: z
      .string()
      .regex(/^[^\s]+$/, 'must not contain whitespace')
      .default('regionwatch'),
    /** API base; `/v5.0/ocr/DetectRegions` is under it. */
    ASPOSE_BASE_URL: httpUrl.default('https://api.aspose.cloud'),
    /** OAuth2 client-credentials endpoint; defaults to `<ASPOSE_BASE_URL>/connect/token`. */
    ASPOSE_TOKEN_URL: httpUrl.optional(),
    /** Credentials; optional here because only the worker (and `submit`) needs them. */
    ASPOSE_CLIENT_ID: optionalString,
    ASPOSE_CLIENT_SECRET: optionalString,
    /** Requests per second to Aspose across all replicas together; unset = no cap. */
    ASPOSE_MAX_RPS: positiveNumber.optional(),
    /** One HTTP request to Aspose. */
    ASPOSE_TIMEOUT_MS: int(1).default(10_000),
    /** First poll after a task is tracked. */
    POLL_INITIAL_DELAY_MS: int(1).default(1_000),
    /** Cap of the exponential backoff between polls (jitter included). */
    POLL_MAX_DELAY_MS: int(1).default(30_000),
    /** POLL_STRATEGY and the adaptive schedule's knobs (polling-env.ts). */
    ...pollingEnvShape,
    /** Polling stops at submittedAt + this; the task ends `Expired`. */
    TASK_DEADLINE_MS: int(1).default(86_400_000),
    /** Jobs in flight in one replica. */
    WORKER_CONCURRENCY: int(1).default(50),
    /** How long a replica holds a job before others may take it back (stalled-job recovery after a crash). */
    WORKER_LOCK_DURATION_MS: int(1_000).default(30_000),
    /** How long SIGTERM waits for jobs in flight before handing the rest back. */
    SHUTDOWN_TIMEOUT_MS: int(0).default(25_000),
    /** Where results go; the empty string disables the results queue. */
    RESULTS_QUEUE: z
      .string()
      .regex(/^[^:\s]*$/, 'must not contain ":" or whitespace')
      .default('regions-results'),
    /** Default webhook for tasks that name none. */
    WEBHOOK_URL: httpUrl.optional(),
    /** Standard Webhooks signing secret (`whsec_<base64>`). */
    WEBHOOK_SECRET: z
      .string()
      .regex(/^(whsec_)?[A-Za-z0-9+/]{32,}={0,2}$/, 'must be whsec_ followed by the base64 of 24 to 64 random bytes')
      .optional(),
    /** One webhook POST; a slower receiver counts as a failed attempt. */
    WEBHOOK_TIMEOUT_MS: int(1).default(15_000),
    /** Delivery attempts before a webhook is dead-lettered (failed set, replayable). */
    WEBHOOK_MAX_ATTEMPTS: int(1).default(8),
    /** First webhook retry delay; exponential with jitter after it. */
    WEBHOOK_RETRY_BASE_MS: int(1).default(5_000),
    /** Allow webhook URLs that resolve to loopback, private or link-local addresses. */
    WEBHOOK_ALLOW_PRIVATE: bool.default(false),
    /** Worker's /healthz, /readyz, /metrics. */
    METRICS_PORT: int(0).pipe(z.number().max(65_535, 'must be a TCP port (0-65535)')).default(9464),
    /** Dashboard port. */
    DASHBOARD_PORT: int(0).pipe(z.number().max(65_535, 'must be a TCP port (0-65535)')).default(3000),
    /** Basic auth; without both, the dashboard listens on 127.0.0.1 only. */
    DASHBOARD_USER: optionalString,
    DASHBOARD_PASSWORD: optionalString,
    /** Hide every mutating dashboard action. */
    DASHBOARD_READONLY: bool.default(false),
    /** pino level. */
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((c, ctx) => {
    if (c.POLL_INITIAL_DELAY_MS > c.POLL_MAX_DELAY_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['POLL_MAX_DELAY_MS'],
        message: `must be at least POLL_INITIAL_DELAY_MS (${c.POLL_INITIAL_DELAY_MS})`,
      });
    }
    if ((c.ASPOSE_CLIENT_ID === undefined) !== (c.ASPOSE_CLIENT_SECRET === undefined)) {
      const missing = c.ASPOSE_CLIENT_ID === undefined ? 'ASPOSE_CLIENT_ID' : 'ASPOSE_CLIENT_SECRET';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'is required when the other Aspose credential is set' });
    }
    if (c.WEBHOOK_URL !== undefined && c.WEBHOOK_SECRET === undefined) {
      ctx.addIssue({ code: 'custom', path: ['WEBHOOK_SECRET'], message: 'is required when WEBHOOK_URL is set' });
    }
    if ((c.DASHBOARD_USER === undefined) !== (c.DASHBOARD_PASSWORD === undefined)) {
      const missing = c.DASHBOARD_USER === undefined ? 'DASHBOARD_USER' : 'DASHBOARD_PASSWORD';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'is required when the other dashboard credential is set' });
    }
  })
  .transform((c) => ({
    ...c,
    ASPOSE_TOKEN_URL: c.ASPOSE_TOKEN_URL ?? `${c.ASPOSE_BASE_URL.replace(/\/+$/, '')}/connect/token`,
  }));

export type Config = Readonly<z.output<typeof configSchema>>;
