import type { Endpoint } from './endpoint.js';
import { NO_FAULTS, resolveFaults, type Faults } from './faults.js';
import { problemReply } from './http/problem-details.js';
import { textReply, type Reply } from './http/reply.js';
import { Prng } from './prng.js';

/** What an injected fault does to a request, if anything. */
export type FaultAction = { kind: 'none' } | { kind: 'reset' } | { kind: 'reply'; reply: Reply };

const NONE: FaultAction = { kind: 'none' };

/** Decides, from the seeded fault stream, which requests get which fault. */
export class FaultInjector {
  private faults: Faults = NO_FAULTS;
  private readonly random: Prng;

  constructor(
    seed: number,
    private readonly now: () => number,
  ) {
    this.random = Prng.stream(seed, 'faults');
  }

  /** Replaces the active faults; omitted fields are off. */
  set(faults: unknown): Faults {
    this.faults = resolveFaults(faults);
    return this.current();
  }

  clear(): void {
    this.faults = NO_FAULTS;
  }

  current(): Faults {
    return structuredClone(this.faults);
  }

  /** Milliseconds to wait before handling the request (0 for none). */
  latencyMs(endpoint: Endpoint): number {
    const { rate, ms } = this.faults.latency;
    return this.inScope(endpoint) && this.random.chance(rate) ? ms : 0;
  }

  /** A fault that answers instead of the endpoint, drawn in the documented order. */
  decide(endpoint: Endpoint, method: string): FaultAction {
    const f = this.faults;
    if (endpoint === 'token' && f.tokenEndpointDown) return { kind: 'reply', reply: htmlError(503, 'Service Unavailable') };
    if (!this.inScope(endpoint)) return NONE;
    if (this.random.chance(f.resetRate)) return { kind: 'reset' };
    if (this.random.chance(f.serverErrorRate)) return { kind: 'reply', reply: this.serverError() };
    if (this.random.chance(f.tooManyRequests.rate)) return { kind: 'reply', reply: this.tooManyRequests() };
    if (method === 'GET' && this.random.chance(f.nonJsonRate)) {
      return { kind: 'reply', reply: textReply(200, htmlPage('Service Unavailable'), 'text/html; charset=utf-8') };
    }
    return NONE;
  }

  /** Whether to cut this (successful) task GET's JSON in half. */
  truncate(endpoint: Endpoint): boolean {
    return (endpoint === 'get' || endpoint === 'status') && this.inScope(endpoint) && this.random.chance(this.faults.truncatedJsonRate);
  }

  private inScope(endpoint: Endpoint): boolean {
    const { scope } = this.faults;
    return scope === 'all' || (endpoint === 'token' ? scope === 'token' : scope === 'api');
  }

  private serverError(): Reply {
    // A 500 comes from the application (JSON); 502/503 from the load balancer in front of it (HTML).
    const status = ([500, 502, 503] as const)[this.random.int(0, 2)] ?? 500;
    if (status === 500) return problemReply(500);
    return htmlError(status, status === 502 ? 'Bad Gateway' : 'Service Unavailable');
  }

  private tooManyRequests(): Reply {
    const { retryAfterSeconds = 1, retryAfterHttpDate = false } = this.faults.tooManyRequests;
    // An HTTP-date has whole seconds: round up so the date is never earlier than the promised delay.
    const retryAt = Math.ceil((this.now() + retryAfterSeconds * 1000) / 1000) * 1000;
    const retryAfter = retryAfterHttpDate ? new Date(retryAt).toUTCString() : String(retryAfterSeconds);
    return problemReply(429, { detail: 'Rate limit exceeded. Try again later.' }, { 'retry-after': retryAfter });
  }
}

function htmlError(status: number, title: string): Reply {
  return textReply(status, htmlPage(`${status} ${title}`), 'text/html; charset=utf-8');
}

function htmlPage(title: string): string {
  return (
    `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n` +
    '<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n'
  );
}
