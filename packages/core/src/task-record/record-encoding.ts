import { DEFAULT_RESULTS_QUEUE } from '../contract/queues.js';
import type { TaskRecordBody } from './task-record.js';

// How a record's body is stored: a JSON array, positional, so a record costs its payload plus little
// more for the 25 h it is kept (bytes per finished task, issue 13). The verbose object form (the
// TaskRecordBody itself, as the first v2 builds stored it) is still read.
//
//   [1, status, polls, submittedAt, finishedAt, history, results, webhooks, payload?]
//
// - submittedAt: epoch ms when that number gives back the very same ISO string, else the string;
//   finishedAt: ms after submittedAt on the same condition, else the string (a re-sent webhook must be
//   byte-for-byte the one sent before, so the text is kept exactly).
// - history: [status, count, status, count, ...].
// - results: 0 = none (RESULTS_QUEUE=""), 1 = the default queue, else its name. webhooks: the URLs, or 0.
// - payload (left out when empty): { r: raw result items, e: errors, w: warnings, m: metadata, c: response code }.
const VERSION = 1;

type Compact = [
  number,
  string,
  number,
  number | string,
  number | string,
  (string | number)[],
  0 | 1 | string,
  string[] | 0,
  Record<string, unknown>?,
];

function asMs(iso: string): number | undefined {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) && new Date(ms).toISOString() === iso ? ms : undefined;
}

/** The result payload of a record body as it is stored (its last element; empty when there is none). */
export function recordPayload(body: TaskRecordBody): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  if (body.results !== undefined) payload.r = body.results;
  if (body.errors !== undefined) payload.e = body.errors;
  if (body.warnings !== undefined) payload.w = body.warnings;
  if (body.metadata !== undefined) payload.m = body.metadata;
  if (body.responseStatusCode !== undefined) payload.c = body.responseStatusCode;
  return payload;
}

/** The stored text of a record body. */
export function encodeRecordBody(body: TaskRecordBody): string {
  const submittedMs = asMs(body.submittedAt);
  const finishedMs = asMs(body.finishedAt);
  const payload = recordPayload(body);
  const { results, webhooks } = body.destinations;
  const compact: Compact = [
    VERSION,
    body.status,
    body.polls,
    submittedMs ?? body.submittedAt,
    submittedMs !== undefined && finishedMs !== undefined ? finishedMs - submittedMs : body.finishedAt,
    (body.history ?? []).flatMap((entry) => [entry.status, entry.count]),
    results === null ? 0 : results === DEFAULT_RESULTS_QUEUE ? 1 : results,
    webhooks.length === 0 ? 0 : webhooks,
  ];
  if (Object.keys(payload).length > 0) compact.push(payload);
  return JSON.stringify(compact);
}

/**
 * The body a stored text stands for, before validation (the caller checks it with `taskRecordBodySchema`):
 * the compact array decoded, or the verbose object as it is. Throws on text that is not JSON.
 */
export function decodeRecordBody(text: string): unknown {
  const json: unknown = JSON.parse(text);
  if (!Array.isArray(json) || json[0] !== VERSION) return json;
  const [, status, polls, submitted, finished, flatHistory, results, webhooks, payload] = json as Compact;
  const submittedAt = typeof submitted === 'number' ? new Date(submitted).toISOString() : submitted;
  const finishedAt =
    typeof finished === 'number' && typeof submitted === 'number' ? new Date(submitted + finished).toISOString() : finished;
  const history: { status: unknown; count: unknown }[] = [];
  for (let i = 0; i + 1 < (flatHistory?.length ?? 0); i += 2) history.push({ status: flatHistory[i], count: flatHistory[i + 1] });
  const p = payload ?? {};
  return {
    status,
    polls,
    submittedAt,
    finishedAt,
    ...(p.c !== undefined ? { responseStatusCode: p.c } : {}),
    ...(p.r !== undefined ? { results: p.r } : {}),
    ...(p.e !== undefined ? { errors: p.e } : {}),
    ...(p.w !== undefined ? { warnings: p.w } : {}),
    ...(p.m !== undefined ? { metadata: p.m } : {}),
    ...(history.length > 0 ? { history } : {}),
    destinations: {
      results: results === 0 ? null : results === 1 ? DEFAULT_RESULTS_QUEUE : results,
      webhooks: webhooks === 0 ? [] : webhooks,
    },
  };
}
