import type { RegionResult } from '@regionwatch/core';

/** A `RegionResult` for tests and benchmarks: Completed, no regions, nothing unusual, unless `fields` say otherwise. */
export function regionResult(taskId: string, fields: Partial<Omit<RegionResult, 'taskId'>> = {}): RegionResult {
  return {
    taskId,
    status: 'Completed',
    regions: [],
    results: [],
    responseStatusCode: 'Ok',
    errors: [],
    warnings: [],
    metadata: {},
    submittedAt: '2026-11-28T10:00:00.000Z',
    finishedAt: '2026-11-28T10:01:00.000Z',
    polls: 1,
    ...fields,
  };
}
