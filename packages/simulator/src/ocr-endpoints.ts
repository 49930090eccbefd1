import { buildOcrResponse } from './build-ocr-response.js';
import { validationProblemReply, problemReply } from './http/problem-details.js';
import { queryParam } from './http/query-param.js';
import { emptyReply, jsonReply, textReply, type Reply } from './http/reply.js';
import { isRecord } from './is-record.js';
import type { TaskStore } from './task-store.js';

// System.Text.Json reads `format: byte` fields as standard, padded base64 only.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** `POST /v5.0/ocr/DetectRegions`: queues the image and answers the new task id as plain text. */
export function handleSubmit(body: string, contentType: string | undefined, tasks: TaskStore): Reply {
  if (!/^(application|text)\/([\w.+-]*\+)?json\b/i.test(contentType ?? '')) return problemReply(415);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return validationProblemReply({ $: ['The request body is not valid JSON.'] });
  }
  if (!isRecord(parsed)) return validationProblemReply({ $: ['The request body must be a JSON object with an image.'] });
  const { image, settings } = parsed;
  if (typeof image !== 'string' || image === '') return validationProblemReply({ image: ['The Image field is required.'] });
  if (!BASE64.test(image)) return validationProblemReply({ image: ['The JSON value could not be converted to System.Byte[].'] });
  if (settings !== undefined && settings !== null && !isRecord(settings)) {
    return validationProblemReply({ settings: ['The settings field must be an object.'] });
  }
  return textReply(200, tasks.create(undefined, image));
}

/**
 * `GET /v5.0/ocr/DetectRegions` (`withResults`) and `GET /v5.0/ocr/Utilities/GetTaskStatus`: always
 * 200 with an `OCRResponse`, including for unknown and deleted tasks (`NotExist`).
 */
export function handleGet(url: URL, tasks: TaskStore, withResults: boolean): Reply {
  const id = queryParam(url, 'id');
  if (id === undefined) return validationProblemReply({ id: ['The id field is required.'] });
  const { task, status } = tasks.poll(id);
  if (task && task.rawBody !== null) return textReply(200, task.rawBody, 'application/json; charset=utf-8');
  return jsonReply(200, buildOcrResponse(id, task, status, withResults));
}

/** `DELETE /v5.0/ocr/DetectRegions`: deletes the task; 200 with an empty body, known id or not. */
export function handleCancel(url: URL, tasks: TaskStore): Reply {
  const id = queryParam(url, 'id');
  if (id === undefined) return validationProblemReply({ id: ['The id field is required.'] });
  tasks.cancel(id);
  return emptyReply(200);
}
