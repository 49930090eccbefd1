import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AsposePermanentError, isTaskStatus, parseOcrResponse, TASK_STATUSES } from '../src/index.js';

describe('parseOcrResponse (property-based)', () => {
  const ocrLike = fc.record(
    {
      id: fc.option(fc.string()),
      responseStatusCode: fc.option(fc.oneof(fc.constantFrom('Ok', 'NotReady', 'TaskNotFound', 'Error'), fc.string())),
      taskStatus: fc.oneof(fc.constantFrom(...TASK_STATUSES), fc.string(), fc.integer(), fc.constant(null)),
      results: fc.option(
        fc.array(fc.record({ type: fc.option(fc.string()), data: fc.option(fc.oneof(fc.base64String(), fc.string(), fc.integer())) })),
      ),
      error: fc.option(
        fc.record({ messages: fc.option(fc.array(fc.string())), warnings: fc.option(fc.array(fc.oneof(fc.string(), fc.integer()))) }),
      ),
    },
    { requiredKeys: [] },
  );
  const bodies = fc.oneof(
    fc.string(),
    fc.json(),
    ocrLike.map((o) => JSON.stringify(o)),
    fc.anything().map((v) => JSON.stringify(v) ?? 'undefined'),
  );

  it('either returns a response with a known task status or throws AsposePermanentError naming the task', () => {
    fc.assert(
      fc.property(bodies, (body) => {
        try {
          const parsed = parseOcrResponse(body, 'task-fuzz');
          expect(isTaskStatus(parsed.taskStatus)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(AsposePermanentError);
          expect((error as AsposePermanentError).taskId).toBe('task-fuzz');
          expect((error as Error).message).toMatch(/for task task-fuzz$/);
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('accepts every well-formed answer', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TASK_STATUSES),
        fc.array(fc.record({ type: fc.constant('Other'), data: fc.base64String() }), { maxLength: 3 }),
        (taskStatus, results) => {
          const parsed = parseOcrResponse(JSON.stringify({ id: 'x', responseStatusCode: 'Ok', taskStatus, results, error: null }), 'x');
          expect(parsed).toMatchObject({ taskStatus, results });
        },
      ),
    );
  });
});
