import { buildWorker } from '@regionwatch/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCENARIOS, type ScenarioName } from '../src/scenarios.js';

// The small version of every chaos scenario (the full ones run with `npm run chaos`). Each must keep
// the invariant: one correct result per task, every webhook accepted once (or dead-lettered where a
// receiver failed on purpose), nothing lost, no failed poll job, no secret in any log.
beforeAll(() => buildWorker(), 120_000);

// cluster-sharded-own-tag is cluster-sharded on one primary more (a layout to measure with `npm run chaos`): the
// same code paths, a fourth Redis process; left out here to keep `npm test`'s wall time.
const MEASURE_ONLY: readonly ScenarioName[] = ['cluster-sharded-own-tag'];

describe.each((Object.keys(SCENARIOS) as ScenarioName[]).filter((name) => !MEASURE_ONLY.includes(name)))('chaos: %s (small)', (name) => {
  it('keeps the invariant', async () => {
    const report = await SCENARIOS[name]('small');
    expect({ lost: report.lost, mismatched: report.mismatched, leakedSecrets: report.leakedSecrets }).toEqual({
      lost: 0,
      mismatched: [],
      leakedSecrets: [],
    });
    expect(report.deliveries).toBeGreaterThan(0);
    expect(report.ok, JSON.stringify(report.notes)).toBe(true);
    // Bounded, but not a measure of speed: a scenario waits while work progresses and ends once it stops
    // (waitWhileProgressing), so a loaded machine makes it slower, not red.
  }, 600_000);
});
