import type { RegionResult } from '@regionwatch/core';
import { html, type HtmlValue, type SafeHtml } from '../html/html.js';
import { layout } from '../html/layout.js';
import type { DeliveryStateView, JobSummary, PollJobView, TaskView, WebhookDeliveryView } from './task-view.js';
import type { UntrackResult } from '@regionwatch/producer';

/** Beyond this many rows the regions table stops; the JSON view has them all. */
export const MAX_REGION_ROWS = 500;

/** Texts from other services (Aspose's messages, failure reasons) are cut to this many characters on the page. */
export const MAX_SHOWN_TEXT = 2_000;

/** Lists of messages (errors, warnings) stop after this many items on the page; the JSON view has them all. */
export const MAX_LISTED_MESSAGES = 100;

export type UntrackOutcome = UntrackResult['outcome'];

/** What the untrack button's redirect tells the page, for each outcome of the producer's `untrack`. */
export const UNTRACK_NOTICES: Record<UntrackOutcome, string> = {
  cancelled: 'Untracked: the task ended Cancelled (delivered like any result).',
  'already-finished': 'Not untracked: the task had already finished; nothing changed.',
  'not-found': 'Not untracked: the task is not tracked; nothing changed.',
  requested: 'Untrack requested: no worker ended it yet; the next run will end it Cancelled.',
};

export type TaskPageOptions = {
  /** Offer the untrack button (not with DASHBOARD_READONLY). */
  canUntrack?: boolean;
  untracked?: UntrackOutcome;
};

/** The task lookup page for one task. Every value is escaped by `html`. */
export function renderTaskPage(view: TaskView, options: TaskPageOptions = {}): string {
  // Only a pending task can be untracked: its poll job is there and nothing is decided yet.
  const pending = view.poll !== null && view.result === null && view.poll.state !== 'failed';
  const untrack =
    options.canUntrack && pending
      ? html`<form id="untrack" method="post" action="/tasks/${encodeURIComponent(view.taskId)}/untrack">
<button type="submit">Untrack (stop polling; the task ends Cancelled)</button></form>`
      : '';
  const body = html`
<h1>Task ${view.taskId}</h1>
<p class="muted">Checked ${view.checkedAt} ·
<a href="/api/tasks/${encodeURIComponent(view.taskId)}">JSON</a> · <a href="/tasks">look up another</a></p>
${options.untracked ? html`<p id="untrack-notice">${UNTRACK_NOTICES[options.untracked]}</p>` : ''}
${untrack}
${pollSection(view.poll)}
${resultSection(view.result)}
${resultsQueueSection(view.resultsQueue)}
${webhookSection(view.webhook)}`;
  return layout(`Task ${view.taskId}`, body);
}

function pollSection(poll: PollJobView | null): SafeHtml {
  if (!poll)
    return html`<section id="poll"><h2>Polling</h2>
<p class="muted">No poll job (removed after its retention time, or never tracked).</p></section>`;
  const history = poll.progress.history.map((entry) => html`<li>${entry.status} × ${entry.count}</li>`);
  const metadata = Object.entries(poll.metadata).map(([key, value]) => html`<tr><th>${key}</th><td>${value}</td></tr>`);
  return html`<section id="poll"><h2>Polling</h2>
${poll.dataProblem ? html`<p class="error">The job's data does not match the PollJob contract: ${clip(poll.dataProblem)}</p>` : ''}
<table>
${row('Poll job', jobState(poll))}
${row('Polls so far', poll.progress.polls)}
${row('Transient errors', poll.progress.transientErrors)}
${row('Last status', poll.progress.lastStatus ?? '—')}
${row('Last error', poll.progress.lastError ? html`<span class="error">${clip(poll.progress.lastError)}</span>` : '—')}
${row('Next poll', poll.progress.nextPollAt && waitsForPoll(poll.state) ? poll.progress.nextPollAt : '—')}
${row('Submitted at', poll.submittedAt ?? '—')}
${row('Webhook URL', poll.webhookUrl ?? '— (WEBHOOK_URL, if set)')}
${row('Attempts made', poll.attemptsMade)}
${poll.failedReason ? row('Failed reason', html`<span class="error">${clip(poll.failedReason)}</span>`) : ''}
</table>
<h3>Statuses seen</h3>
${history.length > 0 ? html`<ol id="history">${history}</ol>` : html`<p class="muted">None yet.</p>`}
<h3>Metadata</h3>
${metadata.length > 0 ? html`<table class="grid" id="metadata">${metadata}</table>` : html`<p class="muted">None.</p>`}
</section>`;
}

function resultSection(result: RegionResult | null): SafeHtml {
  if (!result) return html`<section id="result"><h2>Result</h2><p class="muted">Not decided yet.</p></section>`;
  const shown = result.regions.slice(0, MAX_REGION_ROWS);
  const rows = shown.map(
    (r, i) => html`<tr><td>${i + 1}</td><td>${r.left}</td><td>${r.top}</td><td>${r.right}</td><td>${r.bottom}</td></tr>`,
  );
  return html`<section id="result"><h2>Result</h2>
<table>
${row('Status', html`<span class="state status-${result.status}" id="result-status">${result.status}</span>`)}
${row('Aspose response code', result.responseStatusCode ?? '—')}
${row('Finished at', result.finishedAt)}
${row('Polls', result.polls)}
${row('Raw result items', result.results.length)}
</table>
${list('Errors', result.errors, 'error')}
${list('Warnings', result.warnings, '')}
<h3>Regions (${result.regions.length})</h3>
${
  result.regions.length > 0
    ? html`<table class="grid" id="regions"><tr><th>#</th><th>left</th><th>top</th><th>right</th><th>bottom</th></tr>${rows}</table>
${result.regions.length > shown.length ? moreRegions(result.regions.length - shown.length) : ''}`
    : html`<p class="muted">None.</p>`
}
</section>`;
}

function resultsQueueSection(resultsQueue: TaskView['resultsQueue']): SafeHtml {
  if (!resultsQueue.enabled)
    return html`<section id="results-queue"><h2>Results queue</h2><p class="muted">Disabled (RESULTS_QUEUE is empty).</p></section>`;
  const job = resultsQueue.job;
  return html`<section id="results-queue"><h2>Results queue (${resultsQueue.name})</h2>
${job ? resultJobTable(job) : html`<p class="muted">No job (not decided yet, or removed after its retention time).</p>`}
</section>`;
}

function webhookSection(webhook: WebhookDeliveryView | null): SafeHtml {
  if (!webhook)
    return html`<section id="webhook"><h2>Webhook delivery</h2>
<p class="muted">No delivery job (no webhook for this task, not decided yet, or removed after its retention time).</p></section>`;
  const receipt = webhook.receipt;
  return html`<section id="webhook"><h2>Webhook delivery</h2>
${webhook.deadLetter ? deadLetterNote(webhook.jobId) : ''}
<table>
${row('Delivery job', jobState(webhook))}
${row('URL', webhook.url ?? '—')}
${row('Event', webhook.eventType ?? '—')}
${row('Attempts', `${webhook.delivery?.attempts ?? webhook.attemptsMade} of ${webhook.maxAttempts} planned`)}
${webhook.delivery ? deliveryRows(webhook.delivery, webhook.state) : ''}
${webhook.failedReason ? row('Last failure', html`<span class="error">${clip(webhook.failedReason)}</span>`) : ''}
${receipt ? row('Delivered', `HTTP ${receipt.statusCode} on attempt ${receipt.attempt} at ${receipt.deliveredAt}`) : ''}
</table>
</section>`;
}

const HOLD_REASONS: Record<string, string> = {
  'breaker-open': "held: the endpoint's circuit breaker is open (one probe at a time checks it)",
  paused: 'held: the receiver asked the endpoint to wait (Retry-After)',
  queued: "waiting its turn in the endpoint's line (WEBHOOK_ENDPOINT_MAX_RPS)",
};

function deliveryRows(d: DeliveryStateView, jobStateName: string): SafeHtml {
  const waiting = !d.ended && jobStateName !== 'completed';
  let where: HtmlValue = '—';
  if (d.held && waiting)
    where = html`<span id="delivery-held">${HOLD_REASONS[d.held.reason] ?? d.held.reason} since ${d.held.since}</span>`;
  else if (d.nextAttemptAt && waiting) where = html`<span id="delivery-next">next attempt at ${d.nextAttemptAt}</span>`;
  return html`${row('Endpoint', d.endpoint)}
${row('Delivery state', where)}
${row('Last attempt', d.lastAttemptAt ? `${d.lastAttemptAt}${d.lastResult ? ` (${d.lastResult})` : ''}` : '—')}
${waiting ? row('Dead letter after', d.givesUpAt) : ''}
${d.ended ? row('Ended', html`<span class="error">${d.ended.reason} at ${d.ended.at}</span>`) : ''}
${d.replays > 0 ? row('Replays', d.replays) : ''}`;
}

function jobState(job: JobSummary): SafeHtml {
  const state = html`<span class="state state-${job.state}">${job.state}</span>`;
  if (job.boardPath === null) return html`${state} <span class="muted">(removed from its queue; shown from the task record)</span>`;
  return html`${state} <a href="${job.boardPath}">open in Bull Board</a>`;
}

function row(label: string, value: HtmlValue): SafeHtml {
  return html`<tr><th>${label}</th><td>${value}</td></tr>`;
}

function list(title: string, items: readonly string[], className: string): SafeHtml {
  if (items.length === 0) return html``;
  const shown = items.slice(0, MAX_LISTED_MESSAGES).map((item) => html`<li>${clip(item)}</li>`);
  const more = items.length - MAX_LISTED_MESSAGES;
  const rest = more > 0 ? html`<p class="muted">${more} more in the JSON view.</p>` : '';
  return html`<h3>${title}</h3><ul class="${className}">${shown}</ul>${rest}`;
}

/** A text from another service, cut to a length a page can show. */
function clip(text: string): string {
  return text.length <= MAX_SHOWN_TEXT
    ? text
    : `${text.slice(0, MAX_SHOWN_TEXT)}… (${text.length - MAX_SHOWN_TEXT} more characters in the JSON view)`;
}

function waitsForPoll(state: string): boolean {
  return state === 'delayed' || state === 'waiting';
}

function moreRegions(count: number): SafeHtml {
  return html`<p class="muted">${count} more in the JSON view.</p>`;
}

function resultJobTable(job: JobSummary): SafeHtml {
  const rows = [row('Result job', jobState(job)), row('Added at', job.createdAt ?? '—'), row('Consumed at', job.finishedAt ?? '—')];
  return html`<table>${rows}</table>`;
}

function deadLetterNote(jobId: string): SafeHtml {
  const replay = html`<code>npm run replay -- ${jobId}</code>`;
  return html`<p class="error" id="dead-letter">Dead letter: delivery failed for good. Replay it with ${replay}.</p>`;
}
