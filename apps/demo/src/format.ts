import type { RegionResult } from '@regionwatch/core';

const pad = (text: string, width: number) => (text.length >= width ? text : text + ' '.repeat(width - text.length));

/** One result as the demo prints it: status, task, what it was, polls, time, then its rectangles. */
export function formatResult(result: RegionResult, label: string): string[] {
  const seconds = ((Date.parse(result.finishedAt) - Date.parse(result.submittedAt)) / 1000).toFixed(1);
  const lines = [`${pad(result.status, 10)} ${result.taskId}  ${pad(label, 36)} polls ${result.polls}  ${seconds} s after submission`];
  for (const r of result.regions)
    lines.push(`             region [${r.left}, ${r.top}] → [${r.right}, ${r.bottom}]  (${r.right - r.left}×${r.bottom - r.top} px)`);
  for (const w of result.warnings) lines.push(`             warning: ${w}`);
  for (const e of result.errors) lines.push(`             error: ${e}`);
  return lines;
}

/** The closing summary: counts per status, webhooks verified, polls made. */
export function formatSummary(
  results: readonly RegionResult[],
  webhooks: { verified: number; duplicates: number; rejected: number },
): string {
  const byStatus = new Map<string, number>();
  for (const r of results) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  const statuses = [...byStatus].map(([status, n]) => `${status} ${n}`).join(', ');
  const polls = results.reduce((sum, r) => sum + r.polls, 0);
  return (
    `Summary: ${results.length} tasks (${statuses}); ${webhooks.verified} webhooks verified, ` +
    `${webhooks.duplicates} duplicates, ${webhooks.rejected} rejected; ${polls} polls to Aspose.`
  );
}
