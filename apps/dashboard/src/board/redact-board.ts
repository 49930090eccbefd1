import type { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { BoardHooks } from '@bull-board/api/typings/app';
import { REDACTED, redactUrlsDeep, redactUrlsIn } from '@regionwatch/core';

/**
 * What Bull Board shows goes through core's URL redaction, like the task page: webhook URLs in job
 * data carry tokens in their query and user info, and error texts may quote them.
 *
 * The adapter's formatters cover the fields Bull Board lets an adapter format (data, return value,
 * progress, name). Failed reasons, stack traces and job logs have no formatter, so an `after` hook
 * redacts every API response as a whole — which also covers any field a later Bull Board adds.
 */
export function redactingAdapter(adapter: BullMQAdapter): BullMQAdapter {
  adapter.setFormatter('data', redactUrlsDeep);
  adapter.setFormatter('returnValue', redactUrlsDeep);
  adapter.setFormatter('progress', redactUrlsDeep);
  adapter.setFormatter('name', (job: { name?: unknown }) => redactUrlsIn(typeof job.name === 'string' ? job.name : ''));
  return adapter;
}

export const redactionHooks: BoardHooks = {
  // Bull Board's "edit data" and "duplicate" start from what it showed: saving that would replace a
  // working webhook URL with a redacted one. Refuse any write that still holds the mark.
  before: ({ method, request }) =>
    method !== 'get' && JSON.stringify(request.body ?? {}).includes(REDACTED)
      ? {
          allow: false,
          status: 400,
          errorKey: 'ERRORS.INVALID_REQUEST_BODY',
          message:
            `The data still contains ${REDACTED} (secrets are hidden in this view): ` +
            'type the real values in, or change the job from code.',
        }
      : { allow: true },
  after: (_context, result) => ({ ...result, body: redactUrlsDeep(result.body) }),
};
