import { html, type SafeHtml } from '../html/html.js';
import { layout } from '../html/layout.js';
import type { LearnedKindView, LearnedView } from './learned-view.js';

/** The learned completion times per kind (adaptive polling). Every value is escaped by `html`. */
export function renderLearnedPage(view: LearnedView): string {
  const rows = view.kinds.map(kindRow);
  const body = html`
<h1>Learned completion times</h1>
<p class="muted">Checked ${view.checkedAt} · <a href="/api/learned">JSON</a> · how long Aspose takes per task kind (from
<code>submittedAt</code>), as adaptive polling learned it; <code>_shared</code> is every task's (docs/adaptive-polling.md)</p>
<section id="learned">
${
  rows.length > 0
    ? html`<table class="grid"><tr><th>kind</th><th>p50</th><th>p90</th><th>p99</th></tr>${rows}</table>`
    : html`<p class="muted">Nothing learned yet (fewer than 20 completions, or POLL_STRATEGY=exponential).</p>`
}
</section>`;
  return layout('Learned completion times', body);
}

const seconds = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)} s` : '—');

function kindRow(k: LearnedKindView): SafeHtml {
  return html`<tr class="kind">
<td>${k.kind}</td>
<td>${seconds(k.p50Seconds)}</td>
<td>${seconds(k.p90Seconds)}</td>
<td>${seconds(k.p99Seconds)}</td>
</tr>`;
}
