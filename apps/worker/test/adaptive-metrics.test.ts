import { createMemoryCompletionLearner } from '@regionwatch/core';
import { describe, expect, it } from 'vitest';
import { WorkerMetrics } from '../src/index.js';

describe('adaptive polling metrics (definitions for the poll processor)', () => {
  it('exposes polls per task, the detection-lag bound and the learned quantiles per kind', async () => {
    const metrics = new WorkerMetrics({ defaultMetrics: false });
    metrics.pollsPerTask.observe(2);
    metrics.detectionLag.observe(1.5);
    let now = 0;
    const learner = createMemoryCompletionLearner({ minSamples: 5, refreshMs: 0, flushMs: 0, now: () => now });
    for (let i = 0; i < 10; i++) {
      await learner.pending('invoice-scan', { fromMs: 0, toMs: 2_000 });
      await learner.observe('invoice-scan', { afterMs: 2_000, atMostMs: 3_000 });
      now += 10;
    }
    metrics.setLearnedQuantiles(await learner.learnedQuantiles([0.5, 0.9]));
    const text = await metrics.registry.metrics();
    expect(text).toContain('regionwatch_polls_per_task_bucket{le="2"} 1');
    expect(text).toContain('regionwatch_detection_lag_seconds_bucket{le="2"} 1');
    const learned = text.split('\n').filter((line) => line.startsWith('regionwatch_learned_completion_seconds{'));
    expect(learned.map((line) => line.replace(/ [\d.e+-]+$/, '')).sort()).toEqual([
      'regionwatch_learned_completion_seconds{kind="_shared",quantile="0.5"}',
      'regionwatch_learned_completion_seconds{kind="_shared",quantile="0.9"}',
      'regionwatch_learned_completion_seconds{kind="invoice-scan",quantile="0.5"}',
      'regionwatch_learned_completion_seconds{kind="invoice-scan",quantile="0.9"}',
    ]);
    for (const line of learned) {
      const seconds = Number(line.split(' ').at(-1));
      expect(seconds).toBeGreaterThan(2);
      expect(seconds).toBeLessThanOrEqual(3);
    }
    // A kind the learner no longer reports disappears from the gauge.
    metrics.setLearnedQuantiles([{ kind: '_shared', quantile: 0.5, seconds: 2.5 }]);
    expect((await metrics.registry.metrics()).match(/regionwatch_learned_completion_seconds\{/g)).toHaveLength(1);
  });
});
