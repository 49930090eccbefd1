import got, { CancelError, type Got, type Method, type Response, TimeoutError } from 'got';
import { AsposeTransientError, AsposePermanentError, type AsposeErrorContext } from './aspose-errors.js';

/** Region results are a few KB; anything this large is not an answer we can use. */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export type HttpOptions = { timeoutMs: number; maxResponseBytes?: number; userAgent?: string };

/** A got instance with the policy every Aspose call shares: no retries, no redirects, a timeout. */
export function createHttp(options: HttpOptions): Got {
  return got.extend({
    retry: { limit: 0 }, // retry policy belongs to the worker (delayed jobs), not to the client
    timeout: { request: options.timeoutMs },
    throwHttpErrors: false,
    followRedirect: false,
    responseType: 'text',
    headers: { 'user-agent': options.userAgent ?? 'regionwatch' },
  });
}

export type RequestSpec = {
  method: Method;
  url: string;
  searchParams?: Record<string, string>;
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
};

/**
 * Sends one request and returns the response whatever its status; network failures become
 * `AsposeTransientError`, an oversized body `AsposePermanentError`.
 */
export async function send(http: Got, spec: RequestSpec, context: AsposeErrorContext, maxBytes = DEFAULT_MAX_RESPONSE_BYTES): Promise<Response<string>> {
  const request = http(spec.url, {
    method: spec.method,
    searchParams: spec.searchParams,
    headers: spec.headers,
    json: spec.json,
    form: spec.form,
  });
  let oversized = false;
  void request.on('downloadProgress', (progress: { transferred: number }) => {
    if (progress.transferred > maxBytes && !oversized) {
      oversized = true;
      request.cancel();
    }
  });
  try {
    return await request;
  } catch (error) {
    if (oversized || error instanceof CancelError) {
      throw new AsposePermanentError('invalid-body', `Aspose answered a body larger than ${maxBytes} bytes`, context);
    }
    if (error instanceof TimeoutError) {
      throw new AsposeTransientError('timeout', `Aspose did not answer within the timeout (${describeTimeout(error)})`, { ...context, cause: error });
    }
    const code = (error as { code?: string }).code ?? 'unknown';
    throw new AsposeTransientError('network', `network error talking to Aspose (${code})`, { ...context, cause: error });
  }
}

function describeTimeout(error: TimeoutError): string {
  return `${error.event} ${error.timings.phases.total ?? ''}`.trim();
}
