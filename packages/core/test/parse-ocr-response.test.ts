import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AsposePermanentError, parseOcrResponse } from '../src/index.js';

// The five `taskStatus` values of Aspose's OCRResponse (docs/contract), written out here: the parser's
// own TASK_STATUSES or isTaskStatus cannot be what judges the parser.
const CONTRACT_STATUSES = ['Pending', 'Processing', 'Completed', 'Error', 'NotExist'];

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const nullishString = (value: unknown) => value === undefined || value === null || typeof value === 'string';
const nullishStrings = (value: unknown) =>
  value === undefined || value === null || (Array.isArray(value) && value.every((v) => typeof v === 'string'));

/**
 * What the contract says a DetectRegions answer is, written independently of the parser: a JSON
 * object whose taskStatus is one of the five, whose nullable fields are null, absent or of their type.
 * Unknown fields are allowed (and dropped). Returns the fields a parser must hand back, or undefined.
 */
function contractReading(body: string): Record<string, unknown> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isRecord(json)) return undefined;
  const { id, responseStatusCode, taskStatus, results, error } = json;
  if (typeof taskStatus !== 'string' || !CONTRACT_STATUSES.includes(taskStatus)) return undefined;
  if (!nullishString(id) || !nullishString(responseStatusCode)) return undefined;
  if (results !== undefined && results !== null) {
    if (!Array.isArray(results)) return undefined;
    if (!results.every((item) => isRecord(item) && nullishString(item.type) && nullishString(item.data))) return undefined;
  }
  if (error !== undefined && error !== null) {
    if (!isRecord(error) || !nullishStrings(error.messages) || !nullishStrings(error.warnings)) return undefined;
  }
  const known = { id, responseStatusCode, taskStatus, results, error };
  return Object.fromEntries(Object.entries(known).filter(([, value]) => value !== undefined));
}

describe('parseOcrResponse (property-based)', () => {
  const ocrLike = fc.record(
    {
      id: fc.option(fc.oneof(fc.string(), fc.integer())),
      responseStatusCode: fc.option(fc.oneof(fc.constantFrom('Ok', 'NotReady', 'TaskNotFound', 'Error'), fc.string(), fc.boolean())),
      taskStatus: fc.oneof(
        fc.constantFrom(...CONTRACT_STATUSES),
        fc.constantFrom('pending', 'COMPLETED', 'Exploded', ''),
        fc.string(),
        fc.integer(),
        fc.constant(null),
      ),
      results: fc.option(
        fc.oneof(
          fc.array(
            fc.oneof(
              fc.record({ type: fc.option(fc.string()), data: fc.option(fc.oneof(fc.base64String(), fc.string(), fc.integer())) }),
              fc.constant(null),
              fc.string(),
            ),
          ),
          fc.string(),
        ),
      ),
      error: fc.option(
        fc.oneof(
          fc.record({ messages: fc.option(fc.array(fc.string())), warnings: fc.option(fc.array(fc.oneof(fc.string(), fc.integer()))) }),
          fc.array(fc.string()),
          fc.string(),
        ),
      ),
      extra: fc.anything(),
    },
    { requiredKeys: [] },
  );
  // Answers the contract allows (unknown extra fields included), so acceptance is exercised as much as refusal.
  const wellFormed = fc.record(
    {
      id: fc.option(fc.string()),
      responseStatusCode: fc.option(fc.string()),
      taskStatus: fc.constantFrom(...CONTRACT_STATUSES),
      results: fc.option(fc.array(fc.record({ type: fc.option(fc.string()), data: fc.option(fc.string()) }, { requiredKeys: [] }))),
      error: fc.option(
        fc.record({ messages: fc.option(fc.array(fc.string())), warnings: fc.option(fc.array(fc.string())) }, { requiredKeys: [] }),
      ),
      extra: fc.jsonValue(),
    },
    { requiredKeys: ['taskStatus'] },
  );
  const bodies = fc.oneof(
    { arbitrary: wellFormed.map((o) => JSON.stringify(o)), weight: 4 },
    fc.string(),
    fc.json(),
    ocrLike.map((o) => JSON.stringify(o)),
    fc.array(ocrLike).map((o) => JSON.stringify(o)),
    fc.anything().map((v) => JSON.stringify(v) ?? 'undefined'),
  );

  it('accepts exactly the answers the contract allows, hands back their fields, and names the task when it refuses', () => {
    fc.assert(
      fc.property(bodies, (body) => {
        const expected = contractReading(body);
        if (expected) {
          expect(parseOcrResponse(body, 'task-fuzz')).toEqual(expected);
          return;
        }
        let thrown: unknown;
        try {
          parseOcrResponse(body, 'task-fuzz');
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(AsposePermanentError);
        expect((thrown as AsposePermanentError).taskId).toBe('task-fuzz');
        expect((thrown as Error).message).toMatch(/for task task-fuzz$/);
      }),
      { numRuns: 3_000 },
    );
  });

  it('accepts every well-formed answer, whatever its status, and keeps its fields', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CONTRACT_STATUSES),
        fc.array(fc.record({ type: fc.constant('Other'), data: fc.base64String() }), { maxLength: 3 }),
        (taskStatus, results) => {
          const parsed = parseOcrResponse(JSON.stringify({ id: 'x', responseStatusCode: 'Ok', taskStatus, results, error: null }), 'x');
          expect(parsed).toEqual({ id: 'x', responseStatusCode: 'Ok', taskStatus, results, error: null });
        },
      ),
    );
  });

  it('refuses a taskStatus that differs from the contract only in case', () => {
    for (const taskStatus of ['completed', 'PENDING', 'notExist']) {
      expect(() => parseOcrResponse(JSON.stringify({ taskStatus }), 't')).toThrow(/unknown taskStatus/);
    }
  });
});
