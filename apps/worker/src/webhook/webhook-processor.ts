import {
  describeIssues,
  endpointOf,
  formatDuration,
  RateBudgetExhaustedError,
  redactUrl,
  RequestRateLimiter,
  timeoutSignal,
  webhookDeliveryStateSchema,
  webhookJobSchema,
  type DeliveryEndReason,
  type HoldReason,
  type Logger,
  type WebhookDeliveryState,
  type WebhookJob,
} from '@regionwatch/core';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { RedisClient } from '@regionwatch/core';
import { Agent } from 'undici';
import { endpointLabel, type WorkerMetrics } from '../metrics/worker-metrics.js';
import { assertPublicLiteral, guardedLookup } from './address-guard.js';
import { classifyNetworkError, classifyResponse, type DeliveryClassification } from './classify-delivery.js';
import type { Admission, EndpointBreaker } from './endpoint-breaker.js';
import { PrivateAddressError } from './private-address-error.js';
import { MAX_HOLD_SLEEP_MS, planRetry, startDelivery } from './retry-plan.js';
import type { WebhookQueues } from './webhook-queues.js';
import { WebhookSigner } from './webhook-signer.js';

export type WebhookProcessorDeps = {
  /** `WEBHOOK_SECRET` (one or more); without it every delivery is dead-lettered with a message saying so. */
  secrets: readonly string[] | undefined;
  allowPrivate: boolean;
  timeoutMs: number;
  /** Delays before each retry (WEBHOOK_RETRY_SCHEDULE, or the older form). */
  schedule: readonly number[];
  /** Its shards carry WEBHOOK_ENDPOINT_MAX_RPS: each shard's share as a request window (`EndpointShard.rate`). */
  breaker: EndpointBreaker;
  /** For each endpoint's rate limiter (core's RequestRateLimiter). */
  redis: RedisClient;
  /**
   * Every shard's `regions-webhooks` (one without shards): deliveries that wait are moved back to delayed
   * through their own queue (lock-checked).
   */
  webhookQueues: WebhookQueues;
  metrics: WorkerMetrics;
  logger: Logger;
  now?: () => number;
  random?: () => number;
};

/** What the receiver said, kept as the delivery job's return value. */
export type DeliveryReceipt = { statusCode: number; attempt: number; deliveredAt: string };

/** A receiver's body is never awaited; at most this much is read (in the background) to keep the connection. */
const MAX_RECEIVER_BODY_BYTES = 64 * 1024;

/**
 * Processor for `regions-webhooks`: at most one signed POST per run, never a sleep. Before it, the
 * endpoint's breaker decides (`admit`): go, probe, or hold — a held delivery joins the endpoint's
 * line and sleeps as a delayed job until the scheduler releases it. After it: 2xx → delivered (the
 * status line decides; the body is not awaited); 410 → stopped; anything else → the next attempt
 * per the retry schedule (job moved back to delayed with its state in `progress`), or, once the
 * schedule's span has passed, a dead letter (failed set, `npm run replay`).
 */
export function createWebhookProcessor(deps: WebhookProcessorDeps) {
  const clock = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const signer = deps.secrets === undefined || deps.secrets.length === 0 ? undefined : new WebhookSigner(deps.secrets);
  // undici, like the Aspose client: no redirects (a redirect is a failure per Standard Webhooks, and
  // an SSRF vector), keep-alive, and the private-address guard at connect time unless allowed.
  const agent = new Agent({
    keepAliveTimeout: 10_000,
    connect: { timeout: deps.timeoutMs, ...(deps.allowPrivate ? {} : { lookup: guardedLookup }) },
  });
  const queues = deps.webhookQueues;
  const limiters = new Map<string, RequestRateLimiter>();
  // One per endpoint and poll shard: with POLL_SHARDS > 1 each shard has its own share of WEBHOOK_ENDPOINT_MAX_RPS
  // (EndpointBreaker's shards; the shares add up to the whole cap), in its own window under the shard's prefix.
  const limiterFor = (endpoint: string, jobId: string) => {
    const key = deps.breaker.rateKey(endpoint, jobId);
    let limiter = limiters.get(key);
    if (!limiter) {
      if (limiters.size >= 10_000) limiters.clear(); // a cache, not a registry: rebuilding one is cheap
      const { rate } = deps.breaker.shardOf(jobId); // the breaker's own window for this shard: one source for the cap
      limiter = new RequestRateLimiter(deps.redis, key, rate.max, rate.duration);
      limiters.set(key, limiter);
    }
    return limiter;
  };

  async function processWebhook(job: Job<unknown, DeliveryReceipt>, token?: string): Promise<DeliveryReceipt> {
    const parsed = webhookJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid webhook job data (${describeIssues(parsed.error, 'data')})`);
    const { url, event }: WebhookJob = parsed.data;
    const jobId = job.id ?? event.data.taskId;
    const endpoint = endpointOf(url);
    const order = job.timestamp;
    const now = clock();
    const previous = webhookDeliveryStateSchema.safeParse(job.progress);
    // A dead letter running again was replayed (by the CLI or Bull Board): a fresh schedule.
    let state =
      previous.success && previous.data.ended === undefined
        ? previous.data
        : startDelivery(endpoint, deps.schedule, now, previous.success ? (previous.data.replays ?? 0) + 1 : 0);
    const log = deps.logger.child({ taskId: event.data.taskId, jobId, endpoint: redactUrl(endpoint) });

    /** Dead-letters the delivery: its state says why; `npm run replay` starts it again. */
    const end = async (reason: DeliveryEndReason, message: string, outcome: 'refused' | 'gone' | 'dead_letter'): Promise<never> => {
      state = { ...state, held: undefined, nextAttemptAt: undefined, ended: { at: clock(), reason, message } };
      await job.updateProgress(state);
      deps.metrics.webhookDeliveries.inc({ outcome });
      log.error({ url: redactUrl(url), reason, attempts: state.attempts }, message);
      throw new UnrecoverableError(message);
    };
    /** Moves the job back to delayed until `at`, its state saved in the same lock-checked step. */
    const sleepUntil = async (at: number, heldAt?: string): Promise<never> => {
      if (token === undefined) throw new Error('the webhook processor needs the job lock token (run it in a BullMQ Worker)');
      await queues.of(jobId).backend.moveToDelayed(jobId, Date.now(), Math.max(0, at - clock()), token, {
        skipAttempt: true,
        fieldsToUpdate: { progress: JSON.stringify(state) },
      });
      // Parking in the line (ADMIT) and moving the job to delayed are two steps: a scheduler on any
      // replica may release it in between, when its promote finds the job still active and does
      // nothing. Without this check the job then slept with an unused grant, and the endpoint's line
      // stalled until the grant expired (GRANT_TTL_MS). Checked after the move, so a release that
      // comes later finds the job delayed and promotes it itself.
      if (heldAt !== undefined && (await deps.breaker.isGranted(heldAt, jobId))) {
        await queues
          .of(jobId)
          .backend.promote(jobId)
          .catch(() => {}); // already promoted by the scheduler: fine
      }
      throw new DelayedError();
    };
    /** Waits in the endpoint's line: the scheduler releases it, or its deadline (or a safety wake) does. */
    const hold = async (reason: HoldReason, at: number): Promise<never> => {
      const waitsOnBreaker = reason !== 'queued';
      if (waitsOnBreaker && at >= state.deadlineAt) {
        await deps.breaker.forget(endpoint, jobId);
        const since = formatDuration(state.deadlineAt - state.firstAttemptAt);
        return end(
          'held-expired',
          `webhook endpoint ${redactUrl(endpoint)} kept failing (circuit breaker ${reason === 'paused' ? 'paused' : 'open'}) ` +
            `for the whole retry schedule (${since}); last: ${state.lastResult ?? 'never attempted'}`,
          'dead_letter',
        );
      }
      state = { ...state, nextAttemptAt: undefined, held: { since: state.held?.since ?? at, reason } };
      return sleepUntil(Math.min(waitsOnBreaker ? state.deadlineAt : Number.POSITIVE_INFINITY, at + MAX_HOLD_SLEEP_MS), endpoint);
    };

    if (!signer) {
      return end('no-secret', 'WEBHOOK_SECRET is not set, so the webhook cannot be signed; set it and replay this delivery', 'refused');
    }
    if (!deps.allowPrivate) {
      try {
        assertPublicLiteral(new URL(url).hostname);
      } catch (error) {
        return end('private-address', (error as Error).message, 'refused');
      }
    }

    const admission: Admission = await deps.breaker.admit(endpoint, jobId, order, now);
    if (admission.kind === 'held') return hold(admission.reason, now);
    try {
      await limiterFor(endpoint, jobId).acquire(jobId);
    } catch (error) {
      if (!(error instanceof RateBudgetExhaustedError)) throw error;
      await deps.breaker.requeue(endpoint, jobId, order, now + error.retryAfterMs);
      return hold('queued', now);
    }

    const { classification, statusCode, refused } = await post(url, event);
    if (refused) {
      await deps.breaker.forget(endpoint, jobId);
      return end('private-address', refused.message, 'refused');
    }
    const at = clock();
    const label = endpointLabel(endpoint, admission.rank);
    deps.metrics.webhookAttempts.inc({ endpoint: label, outcome: classification.outcome });
    state = {
      ...state,
      attempts: state.attempts + 1,
      lastAttemptAt: at,
      lastResult: classification.summary,
      held: undefined,
      nextAttemptAt: undefined,
    };

    const delivered = classification.outcome === 'delivered';
    const gone = classification.outcome === 'gone';
    const probeFailed = admission.kind === 'probe' && classification.verdict === 'fail';
    const plan = delivered || gone ? undefined : planRetry(state, deps.schedule, at, classification.retryAfterMs, random);
    const report = await deps.breaker.report(
      endpoint,
      jobId,
      order,
      at,
      {
        verdict: classification.verdict,
        pauseUntil: classification.pauseEndpointMs === undefined ? undefined : at + classification.pauseEndpointMs,
        finished: delivered || gone || (!probeFailed && plan?.kind === 'dead-letter'),
        message: delivered ? '' : classification.summary,
      },
      random,
    );
    if (report.state === 'open' && classification.verdict === 'fail' && !probeFailed)
      log.debug({ result: classification.summary }, 'webhook endpoint failing: its circuit breaker is open');

    if (delivered) {
      deps.metrics.webhookDeliveries.inc({ outcome: 'delivered' });
      log.info({ statusCode, attempts: state.attempts }, 'webhook delivered');
      return { statusCode: statusCode ?? 200, attempt: state.attempts, deliveredAt: new Date(at).toISOString() };
    }
    if (gone) return end('gone', 'webhook receiver answered 410 Gone: delivery stopped', 'gone');
    // A failed probe: the endpoint is still down. Back in line; the delivery spent no retry.
    if (report.held) return hold('breaker-open', at);
    if (plan?.kind !== 'retry') {
      if (probeFailed) await deps.breaker.forget(endpoint, jobId);
      return end('exhausted', exhaustedMessage(state, classification), 'dead_letter');
    }
    deps.metrics.webhookDeliveries.inc({ outcome: 'retry' });
    log.warn(
      { result: classification.summary, attempts: state.attempts, nextAttemptAt: new Date(plan.at).toISOString() },
      'webhook attempt failed',
    );
    state = { ...state, retries: state.retries + 1, nextAttemptAt: plan.at };
    return sleepUntil(plan.at);
  }

  /** One signed POST; the status line decides, the body is read (at most 64 KiB) in the background and dropped. */
  async function post(
    url: string,
    event: WebhookJob['event'],
  ): Promise<{ classification: DeliveryClassification; statusCode?: number; refused?: PrivateAddressError }> {
    const body = JSON.stringify(event);
    const sentAt = new Date(clock());
    const id = event.data.taskId; // the contract's webhook-id: the task id, the same on every attempt
    const signal = timeoutSignal(deps.timeoutMs); // not AbortSignal.timeout: an answer that came in time wins
    try {
      const target = new URL(url);
      const response = await agent.request({
        origin: target.origin,
        path: target.pathname + target.search,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'regionwatch-webhooks',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': (signer as WebhookSigner).sign(id, sentAt, body),
        },
        body,
        signal,
      });
      // Never awaited: a receiver that answers 200 and then trickles its body has still answered 200.
      void response.body.dump({ limit: MAX_RECEIVER_BODY_BYTES, signal }).catch(() => {});
      return {
        classification: classifyResponse(response.statusCode, response.headers['retry-after'], clock()),
        statusCode: response.statusCode,
      };
    } catch (error) {
      const refused = privateAddressError(error);
      if (refused) return { classification: classifyNetworkError(error), refused };
      return { classification: classifyNetworkError(error) };
    }
  }

  /** The processor, and `close()` for its connection pool (called when the worker stops). */
  return Object.assign(processWebhook, { close: () => agent.close() });
}

function exhaustedMessage(state: WebhookDeliveryState, classification: DeliveryClassification): string {
  const unreachable = classification.verdict === 'fail' && classification.statusCode === undefined;
  const last = unreachable ? `receiver unreachable (${classification.summary})` : `receiver answered ${classification.summary}`;
  const over = formatDuration((state.lastAttemptAt ?? state.firstAttemptAt) - state.firstAttemptAt);
  return `webhook ${last}; gave up after ${state.attempts} attempt${state.attempts === 1 ? '' : 's'} over ${over}`;
}

/** A refusal by the address guard, wherever undici put it in the error chain. */
function privateAddressError(error: unknown): PrivateAddressError | undefined {
  for (let e = error; e instanceof Error; e = (e as { cause?: unknown }).cause) if (e instanceof PrivateAddressError) return e;
  return undefined;
}
