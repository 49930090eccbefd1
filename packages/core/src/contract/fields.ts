import { z } from 'zod';

/** Aspose issues UUIDs; this also keeps ids safe as BullMQ job ids (no ':'; never all digits). */
export const TASK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const MAX_METADATA_BYTES = 16 * 1024;

export const taskIdSchema = z
  .string({ message: 'must be a string' })
  .regex(TASK_ID_PATTERN, 'must be 1-128 characters of A-Z a-z 0-9 . _ - starting with a letter or digit')
  .refine((id) => !/^\d+$/.test(id), 'must not be all digits (BullMQ reserves numeric job ids)');

/**
 * A task's kind (`PollJob.kind`): a short label such as `invoice-scan`; completion times are learned
 * per kind. Bounded so a producer cannot grow Redis with it: 1-64 characters, starting with a letter
 * or digit (so it never collides with the learner's own `_shared`/`_kinds` keys).
 */
export const POLL_KIND_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const pollKindSchema = z
  .string({ message: 'must be a string' })
  .regex(POLL_KIND_PATTERN, 'must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit');

/** Longest webhook URL accepted (browsers and proxies commonly stop around 2 KB). */
export const MAX_WEBHOOK_URL_LENGTH = 2_048;
export const webhookUrlSchema = z
  .string({ message: 'must be a string' })
  .max(MAX_WEBHOOK_URL_LENGTH, `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`)
  .pipe(z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }));

export const metadataSchema = z
  .record(z.string(), z.string({ message: 'metadata values must be strings' }))
  .refine((m) => Buffer.byteLength(JSON.stringify(m)) <= MAX_METADATA_BYTES, `must be at most ${MAX_METADATA_BYTES} bytes as JSON`);

export const isoDateSchema = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' });
