import { z } from 'zod';
import { DEFAULT_WEBHOOK_RETRY_SCHEDULE, legacyRetrySchedule, parseRetrySchedule } from '../webhooks/retry-schedule.js';
import { flag, httpUrl, positiveNumber, wholeNumber } from './env-values.js';

/**
 * How the worker delivers webhooks, as a self-contained piece of the config variables (spread into
 * `variables.ts`). The rule between the schedule's two forms is `webhookScheduleInOneForm` below;
 * `webhookRetrySchedule(config)` gives the schedule in effect.
 */

/** One Standard Webhooks secret: `whsec_` (optional) and the base64 of 24 to 64 random bytes. */
const SECRET = /^(whsec_)?[A-Za-z0-9+/]{32,}={0,2}$/;
/** More would only make every request's signature header longer; rotation needs two. */
export const MAX_WEBHOOK_SECRETS = 8;

export const webhookEnvShape = {
  /** Default webhook for tasks that name none. */
  WEBHOOK_URL: httpUrl.optional(),
  /**
   * Standard Webhooks signing secrets, separated by spaces: every delivery is signed with each (the
   * `webhook-signature` header lists one `v1,…` per secret), so receivers can rotate without downtime.
   */
  WEBHOOK_SECRET: z
    .string()
    .transform((text, ctx): readonly string[] => {
      const secrets = text.trim().split(/\s+/);
      if (secrets.length > MAX_WEBHOOK_SECRETS) {
        ctx.addIssue({ code: 'custom', message: `must hold at most ${MAX_WEBHOOK_SECRETS} secrets (separated by spaces)` });
        return z.NEVER;
      }
      const bad = secrets.findIndex((secret) => !SECRET.test(secret));
      if (bad >= 0) {
        const which = secrets.length === 1 ? 'must be' : `secret ${bad + 1} of ${secrets.length} must be`;
        ctx.addIssue({ code: 'custom', message: `${which} whsec_ followed by the base64 of 24 to 64 random bytes` });
        return z.NEVER;
      }
      return secrets;
    })
    .optional(),
  /** One webhook POST; a slower receiver counts as a failed attempt. */
  WEBHOOK_TIMEOUT_MS: wholeNumber(1).default(15_000),
  /**
   * Delays before each retry (`ms`, `s`, `m`, `h`, comma-separated), each lengthened by up to 20 % (jitter, never shortened); unset =
   * `5s,5m,30m,2h,5h,10h,14h,20h,24h`, or the older form below when that is set.
   */
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .transform((text, ctx): readonly number[] => {
      const parsed = parseRetrySchedule(text);
      if ('problem' in parsed) {
        ctx.addIssue({ code: 'custom', message: parsed.problem });
        return z.NEVER;
      }
      return parsed.delays;
    })
    .optional(),
  /** Older form of the schedule: attempts in all (default 8 when only WEBHOOK_RETRY_BASE_MS is set). */
  WEBHOOK_MAX_ATTEMPTS: wholeNumber(1).optional(),
  /** Older form of the schedule: the first retry delay, doubled for each retry after it (default 5000). */
  WEBHOOK_RETRY_BASE_MS: wholeNumber(1).optional(),
  /** Deliveries per second to one endpoint (URL origin), across all replicas together. */
  WEBHOOK_ENDPOINT_MAX_RPS: positiveNumber.default(20),
  /** Allow webhook URLs that resolve to loopback, private or link-local addresses. */
  WEBHOOK_ALLOW_PRIVATE: flag.default(false),
};

type ScheduleVariables = {
  WEBHOOK_RETRY_SCHEDULE?: readonly number[] | undefined;
  WEBHOOK_MAX_ATTEMPTS?: number | undefined;
  WEBHOOK_RETRY_BASE_MS?: number | undefined;
};

/** The older form's defaults (regionwatch 0.1). */
const LEGACY_DEFAULTS = { maxAttempts: 8, baseMs: 5_000 };

/** The schedule or the older form, not both: the operator must say which one is meant. */
export function webhookScheduleInOneForm(c: ScheduleVariables, ctx: z.RefinementCtx): void {
  if (c.WEBHOOK_RETRY_SCHEDULE === undefined) return;
  const older = (['WEBHOOK_MAX_ATTEMPTS', 'WEBHOOK_RETRY_BASE_MS'] as const).filter((name) => c[name] !== undefined);
  if (older.length === 0) return;
  ctx.addIssue({
    code: 'custom',
    path: ['WEBHOOK_RETRY_SCHEDULE'],
    message:
      `cannot be combined with ${older.join(' and ')} (the older form of the same setting): ` +
      `unset ${older.length === 1 ? 'it' : 'them'}, or unset WEBHOOK_RETRY_SCHEDULE to keep the older form`,
  });
}

/** The delays before each retry that a config means: WEBHOOK_RETRY_SCHEDULE, else the older form, else the default. */
export function webhookRetrySchedule(c: ScheduleVariables): readonly number[] {
  if (c.WEBHOOK_RETRY_SCHEDULE !== undefined) return c.WEBHOOK_RETRY_SCHEDULE;
  if (c.WEBHOOK_MAX_ATTEMPTS !== undefined || c.WEBHOOK_RETRY_BASE_MS !== undefined) {
    return legacyRetrySchedule(c.WEBHOOK_MAX_ATTEMPTS ?? LEGACY_DEFAULTS.maxAttempts, c.WEBHOOK_RETRY_BASE_MS ?? LEGACY_DEFAULTS.baseMs);
  }
  const parsed = parseRetrySchedule(DEFAULT_WEBHOOK_RETRY_SCHEDULE);
  if ('problem' in parsed) throw new Error(`the default webhook retry schedule does not parse: ${parsed.problem}`);
  return parsed.delays;
}
