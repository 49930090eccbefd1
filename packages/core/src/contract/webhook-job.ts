import { z } from 'zod';
import { regionResultSchema } from './region-result.js';

export const WEBHOOK_EVENT_TYPES = ['regions.completed', 'regions.failed'] as const;

/** The body POSTed to a webhook: `regions.completed` only for status `Completed`. */
export const webhookEventSchema = z.object({
  type: z.enum(WEBHOOK_EVENT_TYPES),
  timestamp: z.iso.datetime({ offset: true }),
  data: regionResultSchema,
});
export type WebhookEvent = z.infer<typeof webhookEventSchema>;

/** A job in `regions-webhooks`, job id = task id (which is also the `webhook-id` header). */
export const webhookJobSchema = z.object({ url: z.url({ protocol: /^https?$/ }), event: webhookEventSchema });
export type WebhookJob = z.infer<typeof webhookJobSchema>;

/** The job id of the n-th webhook destination: the task id for the first (the contract's), `<taskId>+<n>` after it. */
export function webhookJobId(taskId: string, index: number): string {
  return index === 0 ? taskId : `${taskId}+${index}`;
}
