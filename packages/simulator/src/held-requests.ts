import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

/** How a hold ended: its time ran out, `releaseAll()` let it go early, or the simulator is closing. */
export type HoldEnd = 'elapsed' | 'released' | 'shutdown';

/**
 * Requests a latency fault is holding. A test that needs requests "in flight until I say so" sets a
 * long latency and calls `releaseAll()` when it has checked what it wanted — no race against a timer.
 */
export class HeldRequests {
  private release = unlimited(new AbortController());
  private holding = 0;

  constructor(private readonly shutdown: AbortSignal) {}

  /** Waits `ms`, unless released or shut down first; says which. */
  async hold(ms: number): Promise<HoldEnd> {
    this.holding += 1;
    try {
      await sleep(ms, undefined, { signal: unlimited(AbortSignal.any([this.shutdown, this.release.signal])) });
      return 'elapsed';
    } catch {
      return this.shutdown.aborted ? 'shutdown' : 'released';
    } finally {
      this.holding -= 1;
    }
  }

  /** Lets every request held now go on to its answer; later ones are held as usual. Returns how many. */
  releaseAll(): number {
    const released = this.holding;
    this.release.abort();
    this.release = unlimited(new AbortController());
    return released;
  }
}

// Hundreds of held requests listen on one signal at once: expected, not a leak.
function unlimited<T extends AbortController | AbortSignal>(target: T): T {
  setMaxListeners(0, target instanceof AbortController ? target.signal : target);
  return target;
}
