import { z } from 'zod';
import { dashboardEnvShape } from './dashboard-env.js';
import { pollingEnvShape } from './polling-env.js';
import { redisEnvShape } from './redis-env.js';
import { webhookEnvShape } from './webhook-env.js';
import { MAX_POLL_SHARDS } from '../contract/poll-shards.js';
import { flag, httpUrl, positiveNumber, requiredString, tcpPort, wholeNumber } from './env-values.js';

// Environment values are strings. `parseEnv` turns empty strings into "unset" before parsing,
// except RESULTS_QUEUE, where the contract gives "" a meaning (disable the results queue).

const asposeCredential = requiredString('a process that calls Aspose cannot run without credentials');

/**
 * Every environment variable regionwatch reads, with its default: defined here and only here. Each
 * process validates the ones it reads (`variables(...)` picks them): see the `*-config.ts` files.
 */
const VARIABLES = {
  /** REDIS_URL (standalone), REDIS_SENTINELS (Sentinel) or REDIS_CLUSTER_NODES (Cluster), credentials, TLS: see redis-env.ts. */
  ...redisEnvShape,
  /** BullMQ key prefix; `{regionwatch}` (a hash tag) on Redis Cluster. */
  REGIONWATCH_PREFIX: z
    .string()
    .regex(/^[^\s]+$/, 'must not contain whitespace')
    .default('regionwatch'),
  /** API base; `/v5.0/ocr/DetectRegions` is under it. */
  ASPOSE_BASE_URL: httpUrl.default('https://api.aspose.cloud'),
  /** OAuth2 client-credentials endpoint; defaults to `<ASPOSE_BASE_URL>/connect/token` (see `withTokenUrl`). */
  ASPOSE_TOKEN_URL: httpUrl.optional(),
  /** Client id of the Aspose Cloud application; the worker needs it, a producer only for `submit()`. */
  ASPOSE_CLIENT_ID: asposeCredential.optional(),
  /** Its client secret (never logged). */
  ASPOSE_CLIENT_SECRET: asposeCredential.optional(),
  /** Requests per second to Aspose across all replicas together; unset = no cap. */
  ASPOSE_MAX_RPS: positiveNumber.optional(),
  /** One HTTP request to Aspose. */
  ASPOSE_TIMEOUT_MS: wholeNumber(1).default(10_000),
  /**
   * How long a task tolerates answers it cannot read (not JSON, an unknown status, missing fields) before
   * it ends `Malformed`: time, not a count, so a maintenance page served with 200 for a while ends nothing.
   */
  ASPOSE_INVALID_GRACE_MS: wholeNumber(0).default(900_000),
  /** First poll after a task is tracked. */
  POLL_INITIAL_DELAY_MS: wholeNumber(1).default(1_000),
  /** Cap of the exponential backoff between polls (jitter included). */
  POLL_MAX_DELAY_MS: wholeNumber(1).default(30_000),
  /** POLL_STRATEGY and the adaptive schedule's knobs: see polling-env.ts. */
  ...pollingEnvShape,
  /** Polling stops at submittedAt + this; the task ends `Expired`. */
  TASK_DEADLINE_MS: wholeNumber(1).default(86_400_000),
  /**
   * Poll queues, each under its own hash tag (its own Cluster slot): a task's shard is CLUSTER KEYSLOT(task id)
   * mod POLL_SHARDS (contract/poll-shards.ts). 1 = the one `<prefix>:regions-poll`. Every producer, worker
   * and dashboard of a deployment must use the same value; changing it needs a drain (docs/operations.md).
   */
  POLL_SHARDS: wholeNumber(1)
    .pipe(z.number().max(MAX_POLL_SHARDS, `must be at most ${MAX_POLL_SHARDS} (one BullMQ worker per shard in every replica)`))
    .default(1),
  /** Jobs in flight in one replica. */
  WORKER_CONCURRENCY: wholeNumber(1).default(50),
  /** How long a replica holds a job before others may take it back (stalled-job recovery after a crash). */
  WORKER_LOCK_DURATION_MS: wholeNumber(1_000).default(30_000),
  /** How long SIGTERM waits for jobs in flight before handing the rest back. */
  SHUTDOWN_TIMEOUT_MS: wholeNumber(0).default(25_000),
  /** Where results go; the empty string disables the results queue. */
  RESULTS_QUEUE: z
    .string()
    .regex(/^[^:\s]*$/, 'must not contain ":" or whitespace')
    .default('regions-results'),
  /** Waiting jobs in the results queue above which the worker warns (log, /readyz `results_backlog`); 0 = never. */
  RESULTS_BACKLOG_WARN: wholeNumber(0).default(10_000),
  /** WEBHOOK_URL, WEBHOOK_SECRET, the retry schedule, the per-endpoint rate, ...: see webhook-env.ts. */
  ...webhookEnvShape,
  /** Worker's /healthz, /readyz, /metrics. */
  METRICS_PORT: tcpPort.default(9464),
  /** Dashboard port. */
  DASHBOARD_PORT: tcpPort.default(3000),
  /** DASHBOARD_USER, DASHBOARD_PASSWORD, DASHBOARD_ALLOWED_HOSTS, DASHBOARD_TRUST_PROXY: see dashboard-env.ts. */
  ...dashboardEnvShape,
  /** Hide every mutating dashboard action. */
  DASHBOARD_READONLY: flag.default(false),
  /** pino level. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

export type VariableName = keyof typeof VARIABLES;

/** The names of every variable, in the order above (for deployment checks and documentation). */
export const VARIABLE_NAMES = Object.keys(VARIABLES) as VariableName[];

/** The definitions of `names`, to spread into a process's `z.object({...})`. */
export function variables<const K extends VariableName>(...names: K[]): Pick<typeof VARIABLES, K> {
  return Object.fromEntries(names.map((name) => [name, VARIABLES[name]])) as Pick<typeof VARIABLES, K>;
}

/** The Aspose credentials as a process that cannot run without them reads them (the worker). */
export const REQUIRED_ASPOSE_CREDENTIALS = { ASPOSE_CLIENT_ID: asposeCredential, ASPOSE_CLIENT_SECRET: asposeCredential };
