import { scaleWorkload, WORKLOADS, type CompletionWorkload, type WorkloadName } from './completion-workload.js';
import { InvalidSimulatorOptionsError } from './errors/invalid-options-error.js';

/** Relative weights of the outcomes given to tasks created by `POST /v5.0/ocr/DetectRegions`. */
export type OutcomeWeights = Partial<Record<'Completed' | 'Error' | 'NotExist', number>>;

export type SimulatorOptions = {
  /** Interface to listen on. @defaultValue `'127.0.0.1'` */
  host?: string;
  /** Port to listen on; 0 lets the OS pick a free one. @defaultValue 0 */
  port?: number;
  /** Seed of every random choice (task ids, outcomes, rectangles, tokens, faults). @defaultValue 1 */
  seed?: number;
  /** @defaultValue `'regionwatch-demo'` */
  clientId?: string;
  /** @defaultValue `'regionwatch-demo-secret'` */
  clientSecret?: string;
  /** `expires_in` of issued tokens; a token stops working after it. @defaultValue 3600 (as Aspose) */
  tokenLifetimeSeconds?: number;
  /** How long a new task reads `Pending`. @defaultValue 300 */
  pendingMs?: number;
  /** How long it then reads `Processing` before its outcome. @defaultValue 700 */
  processingMs?: number;
  /** Age (since submission) after which a task reads `NotExist`, as Aspose deletes results. @defaultValue 24 h */
  retentionMs?: number;
  /** Outcome mix for POSTed tasks, e.g. `{ Completed: 0.8, Error: 0.1, NotExist: 0.1 }`. @defaultValue `{ Completed: 1 }` */
  outcomes?: OutcomeWeights;
  /** Clock (epoch ms) for task timing, retention and token expiry; inject one to skip waiting. @defaultValue `Date.now` */
  now?: () => number;
  /** Print one line per request to stderr. @defaultValue false */
  logRequests?: boolean;
  /**
   * Completion times drawn from a workload (by time: log-normal, bimodal, a 3× slowdown halfway
   * through `tasks`) instead of the fixed `pendingMs` + `processingMs`, for every task whose script
   * sets none of `pendingMs`, `processingMs`, `notReadyPolls` (POSTed tasks included), in creation
   * order. @defaultValue unset (fixed times)
   */
  completionTimes?: CompletionTimesOptions;
};

export type CompletionTimesOptions = {
  workload: WorkloadName | CompletionWorkload;
  /** Multiplies every time (e.g. 0.05 to run 20× faster). @defaultValue 1 */
  timeScale?: number;
  /** Length of the run, for a workload's `shift.at` (a share of it). @defaultValue 1000 */
  tasks?: number;
};

export type ResolvedOptions = Required<Omit<SimulatorOptions, 'outcomes' | 'completionTimes'>> & {
  outcomes: Required<OutcomeWeights>;
  completionTimes: { workload: CompletionWorkload; tasks: number } | undefined;
};

export const DEFAULT_OPTIONS = {
  host: '127.0.0.1',
  port: 0,
  seed: 1,
  clientId: 'regionwatch-demo',
  clientSecret: 'regionwatch-demo-secret',
  tokenLifetimeSeconds: 3600,
  pendingMs: 300,
  processingMs: 700,
  retentionMs: 24 * 60 * 60 * 1000,
  logRequests: false,
} satisfies Omit<ResolvedOptions, 'now' | 'outcomes' | 'completionTimes'>;

export function resolveOptions(options: SimulatorOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    ...DEFAULT_OPTIONS,
    ...withoutUndefined(options),
    now: options.now ?? Date.now,
    outcomes: resolveOutcomeWeights(options.outcomes ?? { Completed: 1 }),
    completionTimes: resolveCompletionTimes(options.completionTimes),
  };
  for (const key of ['port', 'tokenLifetimeSeconds', 'pendingMs', 'processingMs', 'retentionMs'] as const) {
    const value = resolved[key];
    if (!Number.isFinite(value) || value < 0) throw new InvalidSimulatorOptionsError(`${key} must be a non-negative number, got ${value}`);
  }
  if (!Number.isInteger(resolved.seed)) throw new InvalidSimulatorOptionsError(`seed must be an integer, got ${resolved.seed}`);
  return resolved;
}

function resolveCompletionTimes(options: CompletionTimesOptions | undefined): ResolvedOptions['completionTimes'] {
  if (options === undefined) return undefined;
  const { workload } = options;
  const named = typeof workload === 'string' ? (WORKLOADS as Partial<Record<string, CompletionWorkload>>)[workload] : workload;
  if (named === undefined) throw new InvalidSimulatorOptionsError(`unknown workload "${workload as string}"`);
  const tasks = options.tasks ?? 1_000;
  if (!Number.isSafeInteger(tasks) || tasks < 1) throw new InvalidSimulatorOptionsError(`completionTimes.tasks must be a positive integer`);
  return { workload: scaleWorkload(named, options.timeScale ?? 1), tasks };
}

function resolveOutcomeWeights(weights: OutcomeWeights): Required<OutcomeWeights> {
  const resolved = { Completed: weights.Completed ?? 0, Error: weights.Error ?? 0, NotExist: weights.NotExist ?? 0 };
  const values = Object.values(resolved);
  if (values.some((w) => !Number.isFinite(w) || w < 0) || values.reduce((a, b) => a + b, 0) <= 0) {
    throw new InvalidSimulatorOptionsError('outcomes weights must be non-negative numbers with a positive sum');
  }
  return resolved;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
