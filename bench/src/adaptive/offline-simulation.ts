import {
  createMemoryCompletionLearner,
  nextPollDelay,
  planNextPoll,
  type CompletionLearner,
  type CompletionLearnerOptions,
  type PlanConfig,
} from '@regionwatch/core';
import { Prng } from '@regionwatch/simulator';

/** One task of a run: when it was submitted (and tracked), how long Aspose takes, its kind if the producer gives one. */
export type SimTask = { submittedAt: number; completionMs: number; kind: string | undefined };

/** What a strategy sees of a task: its polls so far, all "not yet". */
export type PollState = { task: SimTask; index: number; polls: number; lastPollAt: number | undefined };

/** A poll schedule under test: when to poll first, when next after a "not yet", what to learn from a finished task. */
export type Strategy = {
  name: string;
  first(state: PollState, now: number): number | Promise<number>;
  next(state: PollState, now: number): number | Promise<number>;
  finished?(state: PollState, now: number): void | Promise<void>;
  /** Set by `simulate` before each event, for strategies whose learner reads a clock. */
  clock?: { now: number };
};

export type TaskOutcome = { index: number; polls: number; lagMs: number; detectedAt: number };

/** A binary min-heap of events by time (ties: insertion order, so runs are deterministic). */
class EventQueue {
  private readonly heap: { at: number; seq: number; index: number; arrival: boolean }[] = [];
  private seq = 0;

  push(at: number, index: number, arrival: boolean): void {
    const h = this.heap;
    h.push({ at, seq: this.seq++, index, arrival });
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): { at: number; index: number; arrival: boolean } | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined) return undefined;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(l, m)) m = l;
        if (r < h.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a];
    const y = this.heap[b];
    if (!x || !y) return false;
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }

  private swap(a: number, b: number): void {
    const h = this.heap;
    const t = h[a];
    const u = h[b];
    if (t === undefined || u === undefined) return;
    h[a] = u;
    h[b] = t;
  }
}

/**
 * Runs a strategy against the tasks, in simulated time (no clock, no Redis, no HTTP): each task is
 * tracked at its submission, polled when the strategy says, found done at the first poll at or
 * after its completion time. Tasks interleave exactly as in a worker, so a learning strategy only
 * knows the tasks it has seen finish by then. `onFinished` sees every detection, in time order.
 */
export async function simulate(
  tasks: readonly SimTask[],
  strategy: Strategy,
  onFinished?: (outcome: TaskOutcome, state: PollState) => void | Promise<void>,
): Promise<TaskOutcome[]> {
  const queue = new EventQueue();
  const states: PollState[] = tasks.map((task, index) => ({ task, index, polls: 0, lastPollAt: undefined }));
  tasks.forEach((task, index) => queue.push(task.submittedAt, index, true));
  const outcomes: TaskOutcome[] = [];
  for (let event = queue.pop(); event; event = queue.pop()) {
    const state = states[event.index];
    if (!state) continue;
    const now = event.at;
    if (strategy.clock) strategy.clock.now = now;
    if (event.arrival) {
      queue.push(await strategy.first(state, now), event.index, false);
      continue;
    }
    state.polls++;
    const doneAt = state.task.submittedAt + state.task.completionMs;
    if (now >= doneAt) {
      const outcome = { index: event.index, polls: state.polls, lagMs: now - doneAt, detectedAt: now };
      outcomes.push(outcome);
      await strategy.finished?.(state, now);
      await onFinished?.(outcome, state);
      continue;
    }
    const next = await strategy.next(state, now);
    state.lastPollAt = now;
    queue.push(Math.max(next, now + 1), event.index, false);
  }
  return outcomes;
}

/** Today's schedule: the producer's POLL_INITIAL_DELAY_MS, then `nextPollDelay` (±20 % jitter within [initial, cap]). */
export function exponentialStrategy(config: PlanConfig, seed: number): Strategy {
  const prng = Prng.stream(seed, 'exponential');
  return {
    name: 'exponential (today)',
    first: (s) => s.task.submittedAt + config.POLL_INITIAL_DELAY_MS,
    next: (s, now) => now + nextPollDelay(s.polls, config, () => prng.next()),
  };
}

/** A poll every `intervalMs` from submission. */
export function fixedIntervalStrategy(intervalMs: number): Strategy {
  return {
    name: `fixed ${intervalMs / 1000} s`,
    first: (s) => s.task.submittedAt + intervalMs,
    next: (_, now) => now + intervalMs,
  };
}

/** Polls at the given ages (ms since submission), then every `afterMs` (the best-fixed search's output). */
export function scheduleStrategy(name: string, agesByKind: (kind: string | undefined) => readonly number[], afterMs: number): Strategy {
  const at = (s: PollState, k: number) => {
    const ages = agesByKind(s.task.kind);
    const last = ages.at(-1) ?? 0;
    return s.task.submittedAt + (k < ages.length ? (ages[k] ?? 0) : last + (k - ages.length + 1) * afterMs);
  };
  return { name, first: (s) => at(s, 0), next: (s) => at(s, s.polls) };
}

/**
 * The adaptive strategy exactly as the worker will run it: at every "not yet", `learner.pending` with
 * the interval since the previous one, then `learner.estimate(kind)` (cached per refreshMs of simulated
 * time) into `planNextPoll`; when a task is found done, `learner.observe` with the interval (last
 * "not yet", terminal poll]. Batches reach the (in-memory) store every flushMs, as they would Redis.
 */
export function adaptiveStrategy(
  name: string,
  config: PlanConfig,
  seed: number,
  learnerOptions: CompletionLearnerOptions = {},
): Strategy & { learner: CompletionLearner } {
  const clock = { now: 0 };
  const learner = createMemoryCompletionLearner({ ...learnerOptions, now: () => clock.now });
  const prng = Prng.stream(seed, 'adaptive');
  const random = () => prng.next();
  const plan = async (s: PollState, now: number, lastPollAt: number | undefined) =>
    planNextPoll({
      config,
      estimate: await learner.estimate(s.task.kind),
      submittedAt: s.task.submittedAt,
      trackedAt: s.task.submittedAt,
      polls: s.polls,
      lastPollAt,
      now,
      random,
    }).at;
  return {
    name,
    learner,
    clock,
    first: (s, now) => plan(s, now, undefined),
    next: async (s, now) => {
      const from = s.lastPollAt === undefined ? 0 : s.lastPollAt - s.task.submittedAt;
      await learner.pending(s.task.kind, { fromMs: from, toMs: now - s.task.submittedAt });
      return plan(s, now, now);
    },
    finished: async (s, now) => {
      await learner.observe(s.task.kind, {
        afterMs: s.lastPollAt === undefined ? 0 : s.lastPollAt - s.task.submittedAt,
        atMostMs: now - s.task.submittedAt,
      });
    },
  };
}
