import { z } from 'zod';
import { TEXT_LIMITS } from '../text/bounded-text.js';

/** History entries kept; older ones are folded into one leading `(earlier)` entry. */
export const MAX_HISTORY = 32;
const EARLIER = '(earlier)';

/** Statuses seen, in order, repeats collapsed: Pending×3 → Processing×1 (bounded, see `appendHistory`). */
export const historySchema = z.array(z.object({ status: z.string().max(64), count: z.number().int().positive() })).max(MAX_HISTORY + 1);
export type StatusHistory = z.infer<typeof historySchema>;

/**
 * A poll chain's progress, in the poll job's own `progress` field (BullMQ's; Bull Board shows it).
 * Written only by the worker, in the same lock-checked step that re-delays the job (or decides it),
 * so a stalled replica's late write is refused. Its size does not depend on the task's metadata.
 */
export const pollProgressSchema = z.object({
  /** GET requests Aspose answered (200) for this task. */
  polls: z.number().int().nonnegative(),
  /** Failed attempts (network, timeout, 5xx, 429, auth, 4xx) — counted apart from polls. */
  transientErrors: z.number().int().nonnegative(),
  /** Epoch ms the last answered poll was sent (with the data's submittedAt: the task's age then). */
  lastPollAt: z.number().int().optional(),
  lastStatus: z.string().max(64).optional(),
  /** The last failure, cut to about a kilobyte. */
  lastError: z
    .string()
    .max(TEXT_LIMITS.messageChars + 64)
    .optional(),
  history: historySchema,
  /** Epoch ms the current spell of unreadable answers began (cleared by a readable one). */
  invalidSince: z.number().int().optional(),
  /** Unreadable answers in the current spell. */
  invalidAnswers: z.number().int().nonnegative().optional(),
  nextPollAt: z.number().int().optional(),
  nextDelayMs: z.number().int().nonnegative().optional(),
  /** Set in the step that writes the task record: a run that sees it repeats the hand-off only. */
  phase: z.literal('decided').optional(),
});
export type PollProgress = z.infer<typeof pollProgressSchema>;

export const NO_PROGRESS: PollProgress = Object.freeze({ polls: 0, transientErrors: 0, history: [] });

/**
 * The progress stored in a job (`job.progress`: BullMQ's 0 before any is written), or undefined
 * when there is none or it is not ours (then the chain starts over, which is safe).
 */
export function readProgress(stored: unknown): PollProgress | undefined {
  if (typeof stored !== 'object' || stored === null) return undefined;
  const parsed = pollProgressSchema.safeParse(stored);
  return parsed.success ? parsed.data : undefined;
}

/** Appends a status, collapsing repeats; past MAX_HISTORY entries the oldest fold into `(earlier)`. */
export function appendHistory(history: StatusHistory, status: string): StatusHistory {
  const last = history.at(-1);
  let next: StatusHistory =
    last?.status === status
      ? [...history.slice(0, -1), { status, count: last.count + 1 }]
      : [...history, { status: status.slice(0, 64), count: 1 }];
  if (next.length > MAX_HISTORY) {
    const folded = next.slice(0, next.length - MAX_HISTORY + 1);
    const count = folded.reduce((sum, entry) => sum + entry.count, 0);
    next = [{ status: EARLIER, count }, ...next.slice(folded.length)];
  }
  return next;
}
