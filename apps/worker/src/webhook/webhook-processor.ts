import { parseRetryAfter, webhookJobSchema, type Logger, type WebhookJob } from '@regionwatch/core';
import { UnrecoverableError, type Job } from 'bullmq';
import got, { type Got } from 'got';
import { Webhook } from 'standardwebhooks';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import { assertPublicLiteral, guardedLookup, PrivateAddressError } from './address-guard.js';
import { WebhookDeliveryError } from './webhook-backoff.js';

export type WebhookProcessorDeps = {
  /** `WEBHOOK_SECRET`; without it every delivery is dead-lettered with a message saying so. */
  secret: string | undefined;
  allowPrivate: boolean;
  timeoutMs: number;
  metrics: WorkerMetrics;
  logger: Logger;
};

/** What the receiver said, kept as the delivery job's return value. */
export type DeliveryReceipt = { statusCode: number; attempt: number; deliveredAt: string };

/** A receiver's body is not read beyond this; we only need its status. */
const MAX_RECEIVER_BODY_BYTES = 64 * 1024;

/**
 * Processor for `regions-webhooks`: one signed POST per run. 2xx → delivered; 410 → stopped
 * (failed, no more retries); anything else → `WebhookDeliveryError`, retried by BullMQ with the
 * webhook backoff until the attempts run out (then it stays in the failed set: a dead letter).
 */
export function createWebhookProcessor(deps: WebhookProcessorDeps) {
  const signer = deps.secret === undefined ? undefined : new Webhook(deps.secret);
  const http: Got = got.extend({
    retry: { limit: 0 },
    timeout: { request: deps.timeoutMs },
    followRedirect: false, // a redirect is a failure per Standard Webhooks (and an SSRF vector)
    throwHttpErrors: false,
    responseType: 'text',
    headers: { 'user-agent': 'regionwatch-webhooks' },
    ...(deps.allowPrivate ? {} : { dnsLookup: guardedLookup as never }),
  });

  return async function processWebhook(job: Job<unknown, DeliveryReceipt>): Promise<DeliveryReceipt> {
    const parsed = webhookJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid webhook job data (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
    const { url, event }: WebhookJob = parsed.data;
    const taskId = event.data.taskId;
    const attempt = job.attemptsMade + 1;
    const lastAttempt = attempt >= (job.opts.attempts ?? 1);
    const log = deps.logger.child({ taskId, attempt });

    const stop = (outcome: 'refused' | 'gone', message: string): never => {
      deps.metrics.webhookDeliveries.inc({ outcome });
      log.error({ url: redactUrl(url) }, message);
      throw new UnrecoverableError(message);
    };
    if (!signer) return stop('refused', 'WEBHOOK_SECRET is not set, so the webhook cannot be signed; set it and replay this delivery');
    if (!deps.allowPrivate) {
      try {
        assertPublicLiteral(new URL(url).hostname);
      } catch (error) {
        return stop('refused', (error as Error).message);
      }
    }

    const body = JSON.stringify(event);
    const sentAt = new Date();
    const headers = {
      'content-type': 'application/json',
      'webhook-id': taskId,
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': signer.sign(taskId, sentAt, body),
    };

    let statusCode: number;
    let retryAfterMs: number | undefined;
    try {
      const request = http.post(url, { body, headers });
      void request.on('downloadProgress', (p: { transferred: number }) => {
        if (p.transferred > MAX_RECEIVER_BODY_BYTES) request.cancel();
      });
      const response = await request.catch((error: unknown) => {
        if ((error as { name?: string }).name === 'CancelError') return undefined; // oversized body: the status is all we need
        throw error;
      });
      statusCode = response?.statusCode ?? 200;
      retryAfterMs = response ? parseRetryAfter(response.headers['retry-after']) : undefined;
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof PrivateAddressError || error instanceof PrivateAddressError) return stop('refused', (cause as Error | undefined ?? error as Error).message);
      deps.metrics.webhookDeliveries.inc({ outcome: lastAttempt ? 'dead_letter' : 'retry' });
      const code = (error as { code?: string }).code ?? 'unknown';
      log.warn({ url: redactUrl(url), code, lastAttempt }, 'webhook receiver unreachable');
      throw new WebhookDeliveryError(`webhook receiver unreachable (${code})`, { cause: error });
    }

    if (statusCode >= 200 && statusCode < 300) {
      deps.metrics.webhookDeliveries.inc({ outcome: 'delivered' });
      log.info({ statusCode }, 'webhook delivered');
      return { statusCode, attempt, deliveredAt: new Date().toISOString() };
    }
    if (statusCode === 410) return stop('gone', 'webhook receiver answered 410 Gone: delivery stopped');
    deps.metrics.webhookDeliveries.inc({ outcome: lastAttempt ? 'dead_letter' : 'retry' });
    log.warn({ statusCode, retryAfterMs, lastAttempt }, 'webhook receiver refused the delivery');
    throw new WebhookDeliveryError(`webhook receiver answered HTTP ${statusCode}`, { statusCode, retryAfterMs });
  };
}

/** Webhook URLs may carry credentials in the query or user-info; logs get scheme, host and path. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '[invalid url]';
  }
}
