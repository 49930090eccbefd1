import { z } from 'zod';

/** Why a delivery waits without being attempted (see docs/operations.md, "Webhook endpoints"). */
export const HOLD_REASONS = [
  /** The endpoint's circuit breaker is open: only a probe goes out. */
  'breaker-open',
  /** The receiver asked the whole endpoint to wait (429/503 with Retry-After). */
  'paused',
  /** Deliveries to the endpoint go out oldest first at WEBHOOK_ENDPOINT_MAX_RPS: this one waits its turn. */
  'queued',
] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

/** How a delivery that will not be attempted again ended (it stays in the failed set: a dead letter). */
export const DELIVERY_END_REASONS = [
  /** The receiver answered 410 Gone. */
  'gone',
  /** The URL resolves to a loopback, private or otherwise non-public address (WEBHOOK_ALLOW_PRIVATE is off). */
  'private-address',
  /** WEBHOOK_SECRET is not set, so the delivery cannot be signed. */
  'no-secret',
  /** Every attempt failed and the schedule's span has passed. */
  'exhausted',
  /** The endpoint's breaker held it until the schedule's span had passed. */
  'held-expired',
] as const;
export type DeliveryEndReason = (typeof DELIVERY_END_REASONS)[number];

/**
 * Where one webhook delivery stands, kept by the worker in the delivery job's `progress` field
 * (BullMQ's own; Bull Board and the dashboard's task page show it). Times are epoch ms.
 */
export const webhookDeliveryStateSchema = z.object({
  /** The URL's origin (scheme, host, port): the unit of the circuit breaker and the rate limit. */
  endpoint: z.string(),
  /** HTTP requests made for this delivery, probes included. */
  attempts: z.number().int().min(0),
  /** Delays of the retry schedule used so far (probes and time held use none). */
  retries: z.number().int().min(0),
  /** The schedule's length when the delivery started: attempts planned = this + 1. */
  plannedRetries: z.number().int().min(0),
  /** When the delivery was first tried: the schedule counts from here, time held included. */
  firstAttemptAt: z.number(),
  /** firstAttemptAt + the schedule's span: a failed attempt after this is the last one. */
  deadlineAt: z.number(),
  lastAttemptAt: z.number().optional(),
  /** The last attempt's outcome in a few words (`HTTP 503`, `timeout`, `ECONNREFUSED`). */
  lastResult: z.string().max(300).optional(),
  /** When it is due again by its own schedule (unset while held). */
  nextAttemptAt: z.number().optional(),
  /** Set while the endpoint holds it. */
  held: z.object({ since: z.number(), reason: z.enum(HOLD_REASONS) }).optional(),
  /** Set when it was dead-lettered; a replay starts a fresh schedule. */
  ended: z.object({ at: z.number(), reason: z.enum(DELIVERY_END_REASONS), message: z.string() }).optional(),
  /** Times it was replayed from the failed set. */
  replays: z.number().int().min(0).optional(),
});
export type WebhookDeliveryState = z.infer<typeof webhookDeliveryStateSchema>;
