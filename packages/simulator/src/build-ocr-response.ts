import type { OCRResponse, OCRTaskStatus } from './ocr-types.js';
import type { StoredTask } from './stored-task.js';

/** The message of a `NotExist` answer. */
export const TASK_NOT_FOUND_MESSAGE = 'Task not found';

/**
 * The `OCRResponse` a GET answers for a task in `status`. `withResults` is false for
 * `Utilities/GetTaskStatus`, which reports the status only (`results: null`).
 */
export function buildOcrResponse(id: string, task: StoredTask | undefined, status: OCRTaskStatus, withResults: boolean): OCRResponse {
  const empty = withResults ? [] : null;
  const notExist: OCRResponse = {
    id,
    responseStatusCode: 'TaskNotFound',
    taskStatus: 'NotExist',
    results: empty,
    error: { messages: [TASK_NOT_FOUND_MESSAGE], warnings: [] },
  };
  if (!task || status === 'NotExist') return notExist;
  if (status === 'Pending' || status === 'Processing') {
    return { id, responseStatusCode: 'NotReady', taskStatus: status, results: empty, error: null };
  }
  const outcome = task.outcome;
  if (outcome.status === 'Completed') {
    return {
      id,
      responseStatusCode: outcome.responseStatusCode,
      taskStatus: 'Completed',
      results: withResults ? outcome.results : null,
      error: outcome.warnings.length > 0 ? { messages: [], warnings: outcome.warnings } : null,
    };
  }
  if (outcome.status === 'Error') {
    return {
      id,
      responseStatusCode: outcome.responseStatusCode,
      taskStatus: 'Error',
      results: empty,
      error: { messages: outcome.messages, warnings: outcome.warnings },
    };
  }
  return notExist; // unreachable: statusAt only reports the outcome's own terminal status
}
