import type { OCRResult } from './ocr-types.js';

/** A task that finishes with regions (generated from the seed when `rectangles` is omitted). */
export type CompletedOutcome = {
  status: 'Completed';
  /** One array of `[x1, y1, x2, y2]` per result item. @defaultValue one item of 1–6 generated rectangles */
  rectangles?: number[][][];
  /** Non-fatal warnings, sent as `error: { messages: [], warnings }`. @defaultValue none (`error: null`) */
  warnings?: string[];
  /** @defaultValue `'Ok'` */
  responseStatusCode?: string;
  rawResults?: never;
};

/** A task that finishes with result items sent verbatim: invalid base64, JSON that is not rectangles, nulls. */
export type RawCompletedOutcome = {
  status: 'Completed';
  rawResults: OCRResult[];
  warnings?: string[];
  /** @defaultValue `'Ok'` */
  responseStatusCode?: string;
  rectangles?: never;
};

/** A task Aspose failed to process. */
export type ErrorOutcome = {
  status: 'Error';
  messages: string[];
  warnings?: string[];
  /** @defaultValue `'Error'` */
  responseStatusCode?: string;
};

/** A task that reads `NotExist` from the start (as if its results were already deleted). */
export type NotExistOutcome = { status: 'NotExist' };

export type Outcome = CompletedOutcome | RawCompletedOutcome | ErrorOutcome | NotExistOutcome;

/** How a scripted task behaves. Every field is optional; omitted ones follow the simulator options. */
export type TaskScript = {
  /** @defaultValue a UUID v4 drawn from the seeded stream of task ids */
  id?: string;
  /** Time the task reads `Pending`. @defaultValue `SimulatorOptions.pendingMs` */
  pendingMs?: number;
  /** Time the task then reads `Processing` before its outcome. @defaultValue `SimulatorOptions.processingMs` */
  processingMs?: number;
  /**
   * When set, the first this-many GETs read `Pending` and every later one reads the outcome, whatever
   * the clock says (`pendingMs`/`processingMs` are then ignored): for benchmarks that need exactly
   * k polls per task. @defaultValue unset (status follows the clock)
   */
  notReadyPolls?: number;
  /** @defaultValue drawn from `SimulatorOptions.outcomes`, like a task created by POST */
  outcome?: Outcome;
  /**
   * When set, every GET for this task (DetectRegions and GetTaskStatus) answers 200 `application/json`
   * with exactly this body, whatever the task's status: for schema mismatches such as
   * `{"taskStatus":"Exploded"}`.
   */
  rawBody?: string;
};

/** What `taskState(id)` reports. */
export type TaskState = {
  /** The `taskStatus` a GET would read now. */
  status: 'Pending' | 'Processing' | 'Completed' | 'Error' | 'NotExist';
  /**
   * Epoch ms (on the simulator's clock) when the task became, or will become, terminal; for a task
   * cancelled before then, the cancel time. Benchmarks subtract it from detection time.
   */
  terminalAt: number | null;
  /** GETs for this id that reached the task (authorized and not answered by an injected fault). */
  polls: number;
  /** The label of the `completionTimes` workload component its time was drawn from (e.g. `small`), if any. */
  kind: string | null;
};
