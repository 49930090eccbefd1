import {
  describeIssues,
  networkErrorCode,
  parseRetryAfter,
  redactUrl,
  webhookJobSchema,
  type Logger,
  type WebhookJob,
} from '@regionwatch/core';
import { UnrecoverableError, type Job } from 'bullmq';
import { Agent } from 'undici';
import { Webhook } from 'standardwebhooks';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import { assertPublicLiteral, guardedLookup } from './address-guard.js';
import { PrivateAddressError } from './private-address-error.js';
import { WebhookDeliveryError } from './webhook-delivery-error.js';

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
  // undici, like the Aspose client: no redirects (a redirect is a failure per Standard Webhooks, and
  // an SSRF vector), keep-alive, and the private-address guard at connect time unless allowed.
  const agent = new Agent({
    keepAliveTimeout: 10_000,
    connect: { timeout: deps.timeoutMs, ...(deps.allowPrivate ? {} : { lookup: guardedLookup }) },
  });

  async function processWebhook(job: Job<unknown, DeliveryReceipt>): Promise<DeliveryReceipt> {
    const parsed = webhookJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid webhook job data (${describeIssues(parsed.error, 'data')})`);
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
      const target = new URL(url);
      const response = await agent.request({
        origin: target.origin,
        path: target.pathname + target.search,
        method: 'POST',
        headers: { ...headers, 'user-agent': 'regionwatch-webhooks' },
        body,
        signal: AbortSignal.timeout(deps.timeoutMs),
      });
      statusCode = response.statusCode;
      retryAfterMs = parseRetryAfter(response.headers['retry-after']);
      await drain(response.body, MAX_RECEIVER_BODY_BYTES); // only the status matters; keep the socket reusable
    } catch (error) {
      const refused = privateAddressError(error);
      if (refused) return stop('refused', refused.message);
      deps.metrics.webhookDeliveries.inc({ outcome: lastAttempt ? 'dead_letter' : 'retry' });
      const code = networkErrorCode(error);
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
  }

  /** The processor, and `close()` for its connection pool (called when the worker stops). */
  return Object.assign(processWebhook, { close: () => agent.close() });
}

/** Reads and drops a response body, stopping (and closing the socket) past `maxBytes`. */
async function drain(body: AsyncIterable<Buffer> & { destroy(): void }, maxBytes: number): Promise<void> {
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      return;
    }
  }
}

/** A refusal by the address guard, wherever undici put it in the error chain. */
function privateAddressError(error: unknown): PrivateAddressError | undefined {
  for (let e = error; e instanceof Error; e = (e as { cause?: unknown }).cause) if (e instanceof PrivateAddressError) return e;
  return undefined;
}
