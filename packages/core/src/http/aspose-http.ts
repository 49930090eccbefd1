import { Agent, type Dispatcher } from 'undici';

/** Region results are a few KB; anything this large is not an answer we can use. */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export type HttpOptions = { timeoutMs: number; userAgent?: string };

/**
 * The HTTP client every Aspose call shares: an undici connection pool (keep-alive), no retries (the
 * worker's delayed jobs are the retry policy), no redirects, one timeout for the whole exchange.
 * undici rather than got: the benchmark measured got at about 8× the CPU per request (README,
 * Performance, "HTTP client"), the largest avoidable cost of a poll.
 */
export class AsposeHttp {
  readonly dispatcher: Dispatcher;

  constructor(readonly options: HttpOptions) {
    this.dispatcher = new Agent({
      keepAliveTimeout: 10_000,
      connect: { timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}
