import {
  createCompletionLearner,
  POLL_PLAN_VARIABLE_NAMES,
  loadTrackConfig,
  planNextPoll,
  type CompletionLearner,
  type PollJob,
  type RedisClient,
  type TrackConfig,
} from '@regionwatch/core';

/** The polling variables the producer places first polls by (POLL_PLAN_VARIABLE_NAMES), as the workers have them. */
export type FirstPollSettings = Pick<TrackConfig, (typeof POLL_PLAN_VARIABLE_NAMES)[number]>;

/** Each variable's default (the workers' defaults: the same definitions), read from an empty environment. */
export const FIRST_POLL_DEFAULTS: FirstPollSettings = firstPollSettingsOf(loadTrackConfig({}));

/** The first-poll variables of a track or producer config. */
export function firstPollSettingsOf(config: FirstPollSettings): FirstPollSettings {
  return Object.fromEntries(POLL_PLAN_VARIABLE_NAMES.map((name) => [name, config[name]])) as FirstPollSettings;
}

/** When a new poll job's first run is due: `delay` for BullMQ, and `firstPollAt` when it is the learned first poll. */
export type FirstPoll = { delay: number; firstPollAt?: number };

/**
 * Places a new task's first poll. With POLL_STRATEGY=adaptive and a usable learned estimate for the task's kind,
 * at the workers' learned first poll (`planNextPoll`, as the poll processor plans it): the job's first run then makes
 * a GET, where a job delayed by POLL_INITIAL_DELAY_MS would start only to be re-delayed to that poll — a BullMQ
 * job start that, under ASPOSE_MAX_RPS, the limiter counts like a GET. Otherwise POLL_INITIAL_DELAY_MS, as before.
 *
 * Estimates are read through the learner's cache (two HGETALLs per kind at most every 5 s per producer), never per
 * task; a Redis error reading one means POLL_INITIAL_DELAY_MS for those tasks (the worker's first run plans then).
 */
export class FirstPollPlanner {
  private readonly learner: Pick<CompletionLearner, 'estimate'> | undefined;

  constructor(
    redis: RedisClient,
    prefix: string,
    private readonly settings: FirstPollSettings,
    private readonly random: () => number = Math.random,
    learner?: Pick<CompletionLearner, 'estimate'>,
  ) {
    this.learner =
      settings.POLL_STRATEGY !== 'adaptive'
        ? undefined
        : (learner ??
          createCompletionLearner(redis, prefix, {
            halfLifeCompletions: settings.POLL_LEARN_HALF_LIFE,
            minSamples: settings.POLL_LEARN_MIN_SAMPLES,
            maxKinds: settings.POLL_MAX_KINDS,
          }));
  }

  /** The first poll of each job, tracked at `now` (one estimate read per distinct kind, from the cache). */
  async plan(jobs: readonly PollJob[], now: number): Promise<FirstPoll[]> {
    const fallback: FirstPoll = { delay: this.settings.POLL_INITIAL_DELAY_MS };
    const learner = this.learner;
    if (!learner) return jobs.map(() => fallback);
    const estimates = new Map<string | undefined, Awaited<ReturnType<CompletionLearner['estimate']>> | undefined>();
    for (const kind of new Set(jobs.map((job) => job.kind))) {
      const estimate = await learner.estimate(kind).catch(() => undefined);
      estimates.set(kind, estimate?.usable ? estimate : undefined);
    }
    return jobs.map((job) => {
      const estimate = estimates.get(job.kind);
      if (!estimate) return fallback;
      const submittedAt = job.submittedAt === undefined ? now : Date.parse(job.submittedAt);
      const plan = planNextPoll({ config: this.settings, estimate, submittedAt, trackedAt: now, polls: 0, now, random: this.random });
      return { delay: Math.max(0, plan.at - now), firstPollAt: plan.at };
    });
  }
}
