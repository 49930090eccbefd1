import { sampleCompletion, taskTimingFor } from './completion-workload.js';
import { drawOutcome } from './draw-outcome.js';
import { InvalidTaskScriptError } from './errors/invalid-task-script-error.js';
import { fingerprint } from './image-fingerprint.js';
import type { OCRTaskStatus } from './ocr-types.js';
import { parseTaskScript } from './parse-task-script.js';
import { Prng } from './prng.js';
import { resolveOutcome } from './resolve-outcome.js';
import { seededUuid } from './seeded-uuid.js';
import type { ResolvedOptions } from './simulator-options.js';
import { statusAt, terminalAt, type StoredTask } from './stored-task.js';
import type { TaskScript, TaskState } from './task-script.js';

type TaskStoreOptions = Pick<ResolvedOptions, 'seed' | 'pendingMs' | 'processingMs' | 'retentionMs' | 'outcomes' | 'now'> &
  Partial<Pick<ResolvedOptions, 'completionTimes'>>;

/** Every task the simulator knows, created by POST or by a script. */
export class TaskStore {
  private readonly tasks = new Map<string, StoredTask>();
  private readonly ids: Prng;
  private readonly outcomes: Prng;
  /** Its own stream, so turning a workload on changes no task id or outcome a test expects. */
  private readonly completionTimes: Prng;
  private posted = 0;

  constructor(private readonly options: TaskStoreOptions) {
    this.ids = Prng.stream(options.seed, 'task-ids');
    this.outcomes = Prng.stream(options.seed, 'outcomes');
    this.completionTimes = Prng.stream(options.seed, 'completion-times');
  }

  /**
   * Creates a task and returns its id. `image` (the base64 a client sent) keys the generated
   * rectangles; scripted tasks without one are keyed by their id.
   */
  create(script: unknown, image?: string): string {
    const parsed: TaskScript = parseTaskScript(script);
    const id = parsed.id ?? this.nextId();
    if (this.tasks.has(id)) throw new InvalidTaskScriptError(`a task with id "${id}" already exists`);
    const outcome = parsed.outcome ?? drawOutcome(this.outcomes, this.options.outcomes);
    const scriptedTiming = parsed.pendingMs !== undefined || parsed.processingMs !== undefined || parsed.notReadyPolls !== undefined;
    const timing = scriptedTiming ? undefined : this.drawTiming();
    this.tasks.set(id, {
      id,
      createdAt: this.options.now(),
      pendingMs: parsed.pendingMs ?? timing?.pendingMs ?? this.options.pendingMs,
      processingMs: parsed.processingMs ?? timing?.processingMs ?? this.options.processingMs,
      outcome: resolveOutcome(outcome, this.options.seed, fingerprint(image ?? `task:${id}`)),
      rawBody: parsed.rawBody ?? null,
      cancelledAt: null,
      polls: 0,
      notReadyPolls: parsed.notReadyPolls ?? null,
      readyAt: null,
      kind: timing?.kind ?? null,
    });
    return id;
  }

  /** The task and the status a GET reads now; counts the GET as a poll. */
  poll(id: string): { task: StoredTask | undefined; status: OCRTaskStatus } {
    const task = this.tasks.get(id);
    if (!task) return { task, status: 'NotExist' };
    task.polls++;
    const now = this.options.now();
    if (task.polls === task.notReadyPolls) task.readyAt = now;
    return { task, status: statusAt(task, now, this.options.retentionMs, task.polls) };
  }

  /** Cancels (deletes) a task; it reads `NotExist` from now on. Unknown ids are ignored, like Aspose. */
  cancel(id: string): void {
    const task = this.tasks.get(id);
    if (task && task.cancelledAt === null) task.cancelledAt = this.options.now();
  }

  state(id: string): TaskState | undefined {
    const task = this.tasks.get(id);
    if (!task) return undefined;
    return {
      status: statusAt(task, this.options.now(), this.options.retentionMs),
      terminalAt: terminalAt(task),
      polls: task.polls,
      kind: task.kind,
    };
  }

  /** Under a `completionTimes` workload, for a task whose script does not time it: when it turns terminal. */
  private drawTiming(): { pendingMs: number; processingMs: number; kind: string | undefined } | undefined {
    const times = this.options.completionTimes;
    if (!times) return undefined;
    const random = () => this.completionTimes.next();
    const { completionMs, kind } = sampleCompletion(times.workload, random, this.posted++, times.tasks);
    return { ...taskTimingFor(completionMs), kind };
  }

  private nextId(): string {
    // A collision is astronomically unlikely but would silently merge two tasks; redraw instead.
    for (;;) {
      const id = seededUuid(this.ids);
      if (!this.tasks.has(id)) return id;
    }
  }
}
