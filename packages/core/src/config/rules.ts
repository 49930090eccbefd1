import type { z } from 'zod';

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

/** Both Aspose credentials or neither (where they are optional). */
export function asposeCredentialsInPairs(
  c: { ASPOSE_CLIENT_ID?: string | undefined; ASPOSE_CLIENT_SECRET?: string | undefined },
  ctx: Ctx,
): void {
  if ((c.ASPOSE_CLIENT_ID === undefined) !== (c.ASPOSE_CLIENT_SECRET === undefined)) {
    const missing = c.ASPOSE_CLIENT_ID === undefined ? 'ASPOSE_CLIENT_ID' : 'ASPOSE_CLIENT_SECRET';
    ctx.addIssue({ code: 'custom', path: [missing], message: 'is required when the other Aspose credential is set' });
  }
}

/** A default webhook needs a secret to sign with (only the worker delivers webhooks). */
export function webhookSecretWithUrl(c: { WEBHOOK_URL?: string | undefined; WEBHOOK_SECRET?: string | undefined }, ctx: Ctx): void {
  if (c.WEBHOOK_URL !== undefined && c.WEBHOOK_SECRET === undefined) {
    ctx.addIssue({ code: 'custom', path: ['WEBHOOK_SECRET'], message: 'is required when WEBHOOK_URL is set' });
  }
}

/** Both dashboard credentials or neither. */
export function dashboardCredentialsInPairs(
  c: { DASHBOARD_USER?: string | undefined; DASHBOARD_PASSWORD?: string | undefined },
  ctx: Ctx,
): void {
  if ((c.DASHBOARD_USER === undefined) !== (c.DASHBOARD_PASSWORD === undefined)) {
    const missing = c.DASHBOARD_USER === undefined ? 'DASHBOARD_USER' : 'DASHBOARD_PASSWORD';
    ctx.addIssue({ code: 'custom', path: [missing], message: 'is required when the other dashboard credential is set' });
  }
}

/** ASPOSE_TOKEN_URL's default, derived from ASPOSE_BASE_URL: `<base>/connect/token`. */
export function withTokenUrl<C extends { ASPOSE_BASE_URL: string; ASPOSE_TOKEN_URL?: string | undefined }>(
  c: C,
): C & { ASPOSE_TOKEN_URL: string } {
  return { ...c, ASPOSE_TOKEN_URL: c.ASPOSE_TOKEN_URL ?? `${c.ASPOSE_BASE_URL.replace(/\/+$/, '')}/connect/token` };
}
