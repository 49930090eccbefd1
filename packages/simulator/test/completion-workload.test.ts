import { afterEach, describe, expect, it } from 'vitest';
import {
  InvalidSimulatorOptionsError,
  Prng,
  sampleCompletion,
  scaleWorkload,
  startSimulator,
  WORKLOADS,
  workloadCdf,
  workloadQuantile,
  type Simulator,
} from '../src/index.js';
import { manualClock } from './helpers.js';

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const at = (xs: number[], p: number) => xs[Math.floor(p * xs.length)] ?? Number.NaN;

describe('completion-time workloads', () => {
  it('log-normal: median 3 s, p99 20 s, by time', () => {
    const prng = Prng.stream(1, 'test');
    const times = sorted(
      Array.from({ length: 40_000 }, (_, i) => sampleCompletion(WORKLOADS.lognormal, () => prng.next(), i, 40_000).completionMs),
    );
    expect(at(times, 0.5) / 3_000).toBeCloseTo(1, 1);
    expect(at(times, 0.99) / 20_000).toBeCloseTo(1, 1);
    expect(workloadQuantile(WORKLOADS.lognormal, 0.5)).toBeCloseTo(3_000, 0);
    expect(workloadQuantile(WORKLOADS.lognormal, 0.99)).toBeCloseTo(20_000, -1);
    for (const ms of [500, 3_000, 10_000]) {
      expect(times.filter((t) => t <= ms).length / times.length).toBeCloseTo(workloadCdf(WORKLOADS.lognormal, ms), 2);
    }
  });

  it('bimodal: 80 % fast, 20 % slow, each labelled with its kind', () => {
    const prng = Prng.stream(2, 'test');
    const draws = Array.from({ length: 20_000 }, (_, i) => sampleCompletion(WORKLOADS.bimodal, () => prng.next(), i, 20_000));
    const small = draws.filter((d) => d.kind === 'small');
    expect(small.length / draws.length).toBeCloseTo(0.8, 1);
    expect(at(sorted(small.map((d) => d.completionMs)), 0.5) / 1_500).toBeCloseTo(1, 1);
    expect(at(sorted(draws.filter((d) => d.kind === 'large').map((d) => d.completionMs)), 0.5) / 15_000).toBeCloseTo(1, 1);
    expect(workloadCdf(WORKLOADS.bimodal, 8_000)).toBeGreaterThan(0.8); // the lull between the modes
    expect(workloadCdf(WORKLOADS.bimodal, 8_000, 'all', 'large')).toBeLessThan(0.1);
  });

  it('shift: the second half of the run is 3× slower; scaling multiplies every time', () => {
    const prng = Prng.stream(3, 'test');
    const n = 20_000;
    const times = Array.from({ length: n }, (_, i) => sampleCompletion(WORKLOADS.shift, () => prng.next(), i, n).completionMs);
    expect(at(sorted(times.slice(0, n / 2)), 0.5) / 3_000).toBeCloseTo(1, 1);
    expect(at(sorted(times.slice(n / 2)), 0.5) / 9_000).toBeCloseTo(1, 1);
    expect(workloadQuantile(WORKLOADS.shift, 0.5, 'after')).toBeCloseTo(9_000, 0);
    const fast = scaleWorkload(WORKLOADS.lognormal, 0.05);
    expect(workloadQuantile(fast, 0.5)).toBeCloseTo(150, 1);
    expect(() => scaleWorkload(WORKLOADS.lognormal, 0)).toThrow(InvalidSimulatorOptionsError);
  });
});

describe('simulator with completionTimes', () => {
  let sim: Simulator;
  afterEach(() => sim.close());

  it('times every task its script does not time from the workload, the same under the same seed', async () => {
    const terminalTimes = async (seed: number) => {
      const clock = manualClock();
      sim = await startSimulator({ seed, now: clock.now, completionTimes: { workload: 'shift', timeScale: 0.1, tasks: 400 } });
      const delays = Array.from({ length: 400 }, () => {
        const id = sim.createTask({ outcome: { status: 'Completed' } });
        return (sim.taskState(id)?.terminalAt ?? Number.NaN) - clock.now();
      });
      const scripted = sim.createTask({ pendingMs: 5, processingMs: 5 });
      expect(sim.taskState(scripted)?.terminalAt).toBe(clock.now() + 10);
      await sim.close();
      return delays;
    };
    const first = await terminalTimes(9);
    expect(await terminalTimes(9)).toEqual(first);
    expect(await terminalTimes(10)).not.toEqual(first);
    // 0.1 × (median 3 s, then 9 s from task 200 on)
    expect(at(sorted(first.slice(0, 200)), 0.5)).toBeGreaterThan(200);
    expect(at(sorted(first.slice(0, 200)), 0.5)).toBeLessThan(420);
    expect(at(sorted(first.slice(200)), 0.5)).toBeGreaterThan(650);
    expect(at(sorted(first.slice(200)), 0.5)).toBeLessThan(1_250);
    sim = await startSimulator();
  });

  it("tells each task's workload component (its kind): a producer may pass it on; scripted tasks have none", async () => {
    const clock = manualClock();
    sim = await startSimulator({ seed: 3, now: clock.now, completionTimes: { workload: 'bimodal', tasks: 200 } });
    const states = Array.from({ length: 200 }, () => sim.taskState(sim.createTask({ outcome: { status: 'Completed' } })));
    const delay = (kind: string) =>
      states
        .filter((s) => s?.kind === kind)
        .map((s) => (s?.terminalAt ?? Number.NaN) - clock.now())
        .sort((x, y) => x - y);
    const small = delay('small');
    const large = delay('large');
    expect(small.length + large.length).toBe(200);
    expect(small.length).toBeGreaterThan(large.length); // 80 % / 20 %
    // The label matches the time drawn: the slow component's median is 10× the fast one's.
    expect(large[Math.floor(large.length / 2)] ?? 0).toBeGreaterThan(4 * (small[Math.floor(small.length / 2)] ?? Number.NaN));
    expect(sim.taskState(sim.createTask({ pendingMs: 5, processingMs: 5 }))?.kind).toBeNull();
  });

  it('refuses an unknown workload', async () => {
    sim = await startSimulator();
    await expect(startSimulator({ completionTimes: { workload: 'sometimes' as never } })).rejects.toThrow(/unknown workload "sometimes"/);
  });
});
