import { InvalidTaskScriptError } from './errors/invalid-task-script-error.js';
import { isRecord } from './is-record.js';
import type { OCRResult } from './ocr-types.js';
import type { Outcome, TaskScript } from './task-script.js';

/**
 * Checks a script field by field (it may come from an HTTP body or untyped JS) and returns it as a
 * `TaskScript`, so a malformed scenario fails at creation instead of as an odd response later.
 */
export function parseTaskScript(value: unknown): TaskScript {
  if (value === undefined) return {};
  if (!isRecord(value)) throw new InvalidTaskScriptError('expected an object');
  allowOnly(value, ['id', 'pendingMs', 'processingMs', 'notReadyPolls', 'outcome', 'rawBody'], 'script');
  const script: TaskScript = {};
  if (value.id !== undefined) {
    if (typeof value.id !== 'string' || value.id === '') throw new InvalidTaskScriptError('id must be a non-empty string');
    script.id = value.id;
  }
  for (const key of ['pendingMs', 'processingMs'] as const) {
    const ms = value[key];
    if (ms === undefined) continue;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new InvalidTaskScriptError(`${key} must be a non-negative number`);
    script[key] = ms;
  }
  if (value.notReadyPolls !== undefined) {
    const n = value.notReadyPolls;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
      throw new InvalidTaskScriptError('notReadyPolls must be a non-negative integer');
    script.notReadyPolls = n;
  }
  if (value.rawBody !== undefined) {
    if (typeof value.rawBody !== 'string') throw new InvalidTaskScriptError('rawBody must be a string');
    script.rawBody = value.rawBody;
  }
  if (value.outcome !== undefined) script.outcome = parseOutcome(value.outcome);
  return script;
}

function parseOutcome(value: unknown): Outcome {
  if (!isRecord(value)) throw new InvalidTaskScriptError('outcome must be an object');
  switch (value.status) {
    case 'NotExist':
      allowOnly(value, ['status'], 'NotExist outcome');
      return { status: 'NotExist' };
    case 'Error': {
      allowOnly(value, ['status', 'messages', 'warnings', 'responseStatusCode'], 'Error outcome');
      return {
        status: 'Error',
        messages: strings(value.messages, 'outcome.messages'),
        ...optionalStrings(value.warnings, 'outcome.warnings'),
        ...optionalString(value.responseStatusCode, 'outcome.responseStatusCode'),
      };
    }
    case 'Completed': {
      allowOnly(value, ['status', 'rectangles', 'rawResults', 'warnings', 'responseStatusCode'], 'Completed outcome');
      const common = {
        ...optionalStrings(value.warnings, 'outcome.warnings'),
        ...optionalString(value.responseStatusCode, 'outcome.responseStatusCode'),
      };
      if (value.rawResults !== undefined) {
        if (value.rectangles !== undefined) throw new InvalidTaskScriptError('give either rectangles or rawResults, not both');
        return { status: 'Completed', rawResults: rawResults(value.rawResults), ...common };
      }
      if (value.rectangles === undefined) return { status: 'Completed', ...common };
      return { status: 'Completed', rectangles: rectangles(value.rectangles), ...common };
    }
    default:
      throw new InvalidTaskScriptError('outcome.status must be "Completed", "Error" or "NotExist"');
  }
}

function rectangles(value: unknown): number[][][] {
  const fail = (): never => {
    throw new InvalidTaskScriptError('outcome.rectangles must be an array (one per result item) of arrays of [x1, y1, x2, y2] numbers');
  };
  if (!Array.isArray(value)) return fail();
  return value.map((item: unknown) => {
    if (!Array.isArray(item)) return fail();
    return item.map((rect: unknown) => {
      if (!Array.isArray(rect) || !rect.every((n: unknown) => typeof n === 'number' && Number.isFinite(n))) return fail();
      return rect as number[];
    });
  });
}

function rawResults(value: unknown): OCRResult[] {
  if (!Array.isArray(value)) throw new InvalidTaskScriptError('outcome.rawResults must be an array of { type, data }');
  return value.map((item: unknown) => {
    if (!isRecord(item)) throw new InvalidTaskScriptError('outcome.rawResults items must be objects');
    const { type = null, data = null } = item;
    if ((type !== null && typeof type !== 'string') || (data !== null && typeof data !== 'string')) {
      throw new InvalidTaskScriptError('outcome.rawResults items need string or null type and data');
    }
    return { type, data };
  });
}

function strings(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || !value.every((s: unknown) => typeof s === 'string'))
    throw new InvalidTaskScriptError(`${field} must be an array of strings`);
  return value;
}

function optionalStrings(value: unknown, field: string): { warnings?: string[] } {
  return value === undefined ? {} : { warnings: strings(value, field) };
}

function optionalString(value: unknown, field: string): { responseStatusCode?: string } {
  if (value === undefined) return {};
  if (typeof value !== 'string') throw new InvalidTaskScriptError(`${field} must be a string`);
  return { responseStatusCode: value };
}

function allowOnly(value: Record<string, unknown>, keys: string[], what: string): void {
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw new InvalidTaskScriptError(`unknown field "${key}" in ${what}`);
  }
}
