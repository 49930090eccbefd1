/**
 * Why a replica may be not ready: the fixed set of `regionwatch_not_ready{reason}` (alert rules and
 * dashboards match on these words, so they never change meaning).
 */
export const NOT_READY_REASONS = [
  'starting',
  'shutting_down',
  'redis',
  'aspose_auth',
  'aspose_invalid_response',
  'aspose_misconfigured',
  'results_backlog',
] as const;
export type NotReadyReason = (typeof NOT_READY_REASONS)[number];

/**
 * A problem the processors report. `aspose` is the older name of `aspose_auth` (refused credentials,
 * the token endpoint failing, or a 4xx that means the request is wrong); it still counts as that.
 */
export type ReadinessProblem = Exclude<NotReadyReason, 'starting' | 'shutting_down' | 'redis'> | 'aspose';

const REASON_OF_PROBLEM: Record<ReadinessProblem, NotReadyReason> = {
  aspose: 'aspose_auth',
  aspose_auth: 'aspose_auth',
  aspose_invalid_response: 'aspose_invalid_response',
  aspose_misconfigured: 'aspose_misconfigured',
  results_backlog: 'results_backlog',
};

/**
 * What `/readyz` answers: ready only while running, Redis answers and nothing is known to be wrong
 * (e.g. Aspose refusing our credentials). Each problem is named so the probe says why; the same
 * reasons, as codes, are the `regionwatch_not_ready{reason}` gauge.
 */
export class Readiness {
  private shuttingDown = false;
  private running = false;
  private readonly problems = new Map<ReadinessProblem, string>();

  markRunning(): void {
    this.running = true;
  }

  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  /** Records (or, with `undefined`, clears) a named problem. Returns true when that changed anything. */
  setProblem(name: ReadinessProblem, message: string | undefined): boolean {
    if (message === undefined) return this.problems.delete(name);
    const changed = this.problems.get(name) !== message;
    this.problems.set(name, message);
    return changed;
  }

  /** Reasons not to be ready, in words, given whether Redis answered just now. */
  reasons(redisAnswers: boolean): string[] {
    const reasons: string[] = [];
    if (this.shuttingDown) reasons.push('shutting down');
    else if (!this.running) reasons.push('starting');
    if (!redisAnswers) reasons.push('Redis does not answer');
    for (const [name, message] of this.problems) reasons.push(`${name}: ${message}`);
    return reasons;
  }

  /** The same reasons as codes from NOT_READY_REASONS (each once). */
  reasonCodes(redisAnswers: boolean): Set<NotReadyReason> {
    const codes = new Set<NotReadyReason>();
    if (this.shuttingDown) codes.add('shutting_down');
    else if (!this.running) codes.add('starting');
    if (!redisAnswers) codes.add('redis');
    for (const name of this.problems.keys()) codes.add(REASON_OF_PROBLEM[name]);
    return codes;
  }
}
