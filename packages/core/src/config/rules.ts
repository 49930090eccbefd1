import type { z } from 'zod';
import { redisSettingsIssues, type RedisSettings } from '../redis/redis-target.js';
import { DEFAULT_REDIS_URL } from './redis-env.js';

// Rules between variables, shared by every process that reads the variables involved. Each adds its
// issue under the variable to fix, so ConfigError names it like any other.

type Ctx = z.RefinementCtx;

export function pollDelaysInOrder(c: { POLL_INITIAL_DELAY_MS: number; POLL_MAX_DELAY_MS: number }, ctx: Ctx): void {
  if (c.POLL_INITIAL_DELAY_MS > c.POLL_MAX_DELAY_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['POLL_MAX_DELAY_MS'],
      message: `must be at least POLL_INITIAL_DELAY_MS (${c.POLL_INITIAL_DELAY_MS})`,
    });
  }
}

/** Both of two credentials or neither; the issue names the one that is missing. */
function inPairs<A extends string, B extends string>(a: A, b: B, what: string) {
  return (c: { [K in A | B]?: string | undefined }, ctx: Ctx): void => {
    if ((c[a] === undefined) !== (c[b] === undefined)) {
      ctx.addIssue({ code: 'custom', path: [c[a] === undefined ? a : b], message: `is required when the other ${what} credential is set` });
    }
  };
}

/** Both Aspose credentials or neither (where they are optional). */
export const asposeCredentialsInPairs = inPairs('ASPOSE_CLIENT_ID', 'ASPOSE_CLIENT_SECRET', 'Aspose');

/** Both dashboard credentials or neither. */
export const dashboardCredentialsInPairs = inPairs('DASHBOARD_USER', 'DASHBOARD_PASSWORD', 'dashboard');

/** A default webhook needs a secret to sign with (only the worker delivers webhooks). */
export function webhookSecretWithUrl(c: { WEBHOOK_URL?: string | undefined; WEBHOOK_SECRET?: unknown }, ctx: Ctx): void {
  if (c.WEBHOOK_URL !== undefined && c.WEBHOOK_SECRET === undefined) {
    ctx.addIssue({ code: 'custom', path: ['WEBHOOK_SECRET'], message: 'is required when WEBHOOK_URL is set' });
  }
}

/** ASPOSE_TOKEN_URL's default, derived from ASPOSE_BASE_URL: `<base>/connect/token`. */
export function withTokenUrl<C extends { ASPOSE_BASE_URL: string; ASPOSE_TOKEN_URL?: string | undefined }>(
  c: C,
): C & { ASPOSE_TOKEN_URL: string } {
  return { ...c, ASPOSE_TOKEN_URL: c.ASPOSE_TOKEN_URL ?? `${c.ASPOSE_BASE_URL.replace(/\/+$/, '')}/connect/token` };
}

/** The Redis variables fit together: one mode, complete, a hash-tag prefix on a Cluster (see `redisSettingsIssues`). */
export function redisSettingsValid(c: RedisSettings, ctx: Ctx): void {
  for (const { variable, message } of redisSettingsIssues(c)) ctx.addIssue({ code: 'custom', path: [variable], message });
}

/**
 * REDIS_URL's default, `redis://127.0.0.1:6379`, applied only in standalone mode (neither REDIS_SENTINELS
 * nor REDIS_CLUSTER_NODES set), so the schema can tell an explicit REDIS_URL from none at all.
 */
export function withDefaultRedisUrl<C extends RedisSettings>(c: C): C {
  return c.REDIS_URL !== undefined || c.REDIS_SENTINELS !== undefined || c.REDIS_CLUSTER_NODES !== undefined
    ? c
    : { ...c, REDIS_URL: DEFAULT_REDIS_URL };
}
