import { html, type SafeHtml } from '../html/html.js';
import { layout } from '../html/layout.js';
import type { EndpointsView, EndpointView } from './endpoint-view.js';

/** The webhook endpoints page: each endpoint's breaker, line and last error. Every value is escaped by `html`. */
export function renderEndpointsPage(view: EndpointsView): string {
  const rows = view.endpoints.map(endpointRow);
  const more = view.total > view.shown ? html`<p class="muted">${view.total - view.shown} more endpoints not shown.</p>` : '';
  const body = html`
<h1>Webhook endpoints</h1>
<p class="muted">Checked ${view.checkedAt} · <a href="/api/webhooks">JSON</a> · one circuit breaker and line per URL origin, shared by
every worker replica; with POLL_SHARDS, one per origin and poll shard, combined in one row (docs/operations.md, "Webhook endpoints")</p>
<section id="endpoints">
${
  rows.length > 0
    ? html`<table class="grid"><tr><th>endpoint</th><th>state</th><th>held</th><th>undelivered</th><th>oldest undelivered</th>
<th>failures in a row</th><th>next probe / pause end</th><th>last error</th><th>last success</th></tr>${rows}</table>${more}`
    : html`<p class="muted">No webhook delivered yet.</p>`
}
</section>`;
  return layout('Webhook endpoints', body);
}

function endpointRow(e: EndpointView): SafeHtml {
  const state = e.paused && e.state === 'closed' ? 'paused' : e.state;
  const cls = state === 'closed' ? 'state-completed' : state === 'open' ? 'state-failed' : 'state-delayed';
  return html`<tr class="endpoint">
<td>${e.endpoint}</td>
<td><span class="state ${cls}">${state}</span>${shardStates(e)}</td>
<td>${e.held}</td>
<td>${e.undelivered}</td>
<td>${e.oldestUndeliveredSeconds === null ? '—' : `${e.oldestUndeliveredSeconds} s (${e.oldestUndeliveredAt ?? ''})`}</td>
<td>${e.consecutiveFailures}</td>
<td>${e.nextProbeAt ?? e.pausedUntil ?? '—'}</td>
<td>${e.lastError ? html`<span class="error">${e.lastError}</span> ${e.lastErrorAt ?? ''}` : '—'}</td>
<td>${e.lastSuccessAt ?? '—'}</td>
</tr>`;
}

/** With POLL_SHARDS > 1, each shard's own state under the combined one (`p0 open · p1 closed · …`). */
function shardStates(e: EndpointView): SafeHtml | '' {
  if (e.shards === undefined) return '';
  const states = e.shards.map((s) => `p${s.shard} ${s.paused && s.state === 'closed' ? 'paused' : s.state}`);
  return html`<br><span class="muted shards">${states.join(' · ')}</span>`;
}
