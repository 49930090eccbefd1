/**
 * What `/readyz` answers: ready only while running, Redis answers and nothing is known to be wrong
 * (e.g. Aspose refusing our credentials). Each problem is named so the probe says why.
 */
export class Readiness {
  private shuttingDown = false;
  private running = false;
  private readonly problems = new Map<string, string>();

  markRunning(): void {
    this.running = true;
  }

  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  /** Records (or, with `undefined`, clears) a named problem. Returns true when that changed anything. */
  setProblem(name: string, message: string | undefined): boolean {
    if (message === undefined) return this.problems.delete(name);
    const changed = this.problems.get(name) !== message;
    this.problems.set(name, message);
    return changed;
  }

  /** Reasons not to be ready, given whether Redis answered just now. */
  reasons(redisAnswers: boolean): string[] {
    const reasons: string[] = [];
    if (this.shuttingDown) reasons.push('shutting down');
    else if (!this.running) reasons.push('starting');
    if (!redisAnswers) reasons.push('Redis does not answer');
    for (const [name, message] of this.problems) reasons.push(`${name}: ${message}`);
    return reasons;
  }
}
