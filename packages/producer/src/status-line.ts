import type { TaskStatus } from './task-status.js';

/**
 * One line per task for `npm run track -- --status`: the state word first (`unknown`, `pending`,
 * `finished`), the id, then `key=value` pairs a shell can cut.
 */
export function statusLine(status: TaskStatus): string {
  switch (status.state) {
    case 'unknown':
      return `unknown ${status.taskId}`;
    case 'pending': {
      const parts = [`polls=${status.polls}`, `last=${status.lastStatus ?? 'none'}`];
      if (status.nextPollAt !== undefined && !status.active) parts.push(`next=${new Date(status.nextPollAt).toISOString()}`);
      if (status.active) parts.push('polling=now');
      if (status.transientErrors > 0) parts.push(`errors=${status.transientErrors}`);
      if (status.cancelRequested) parts.push('cancel=requested');
      if (status.webhookUrls.length > 0) parts.push(`webhooks=${status.webhookUrls.length}`);
      if (status.failedReason) parts.push(`failed=${JSON.stringify(status.failedReason)}`);
      return `pending ${status.taskId} ${parts.join(' ')}`;
    }
    case 'finished': {
      const { result, delivery } = status;
      const parts = [
        `status=${result.status}`,
        `regions=${result.regions.length}`,
        `polls=${result.polls}`,
        `finishedAt=${result.finishedAt}`,
      ];
      parts.push(`results=${delivery.results}`);
      if (delivery.webhooks.length > 0) parts.push(`webhooks=${delivery.webhooks.map((w) => w.state).join(',')}`);
      return `finished ${status.taskId} ${parts.join(' ')}`;
    }
  }
}
