import type { AsposeErrorContext } from '../errors/aspose-error.js';
import { AsposePermanentError } from '../errors/aspose-permanent-error.js';
import { AsposeTransientError } from '../errors/aspose-transient-error.js';
import { DEFAULT_MAX_RESPONSE_BYTES, type AsposeHttp } from './aspose-http.js';
import { networkErrorCode } from './network-error-code.js';
import { timeoutSignal } from './timeout-signal.js';

export type RequestSpec = {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  searchParams?: Record<string, string>;
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
};

export type HttpResponse = { statusCode: number; headers: Record<string, string | string[] | undefined>; body: string };

/**
 * Sends one request and returns the response whatever its status; network failures and timeouts
 * become `AsposeTransientError`, a body over `maxBytes` `AsposePermanentError` (not read to the end).
 */
export async function send(
  http: AsposeHttp,
  spec: RequestSpec,
  context: AsposeErrorContext,
  maxBytes = DEFAULT_MAX_RESPONSE_BYTES,
): Promise<HttpResponse> {
  const url = new URL(spec.url);
  for (const [key, value] of Object.entries(spec.searchParams ?? {})) url.searchParams.set(key, value);
  const headers: Record<string, string> = { 'user-agent': http.options.userAgent ?? 'regionwatch', ...spec.headers };
  let body: string | undefined;
  if (spec.json !== undefined) {
    body = JSON.stringify(spec.json);
    headers['content-type'] = 'application/json';
  } else if (spec.form !== undefined) {
    body = new URLSearchParams(spec.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const signal = timeoutSignal(http.options.timeoutMs);
  try {
    const response = await http.dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: spec.method,
      headers,
      body,
      signal,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        response.body.destroy();
        throw new AsposePermanentError('invalid-body', `Aspose answered a body larger than ${maxBytes} bytes`, context);
      }
      chunks.push(chunk);
    }
    return { statusCode: response.statusCode, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') };
  } catch (error) {
    if (error instanceof AsposePermanentError) throw error;
    const code = networkErrorCode(error);
    if (signal.aborted || code.endsWith('_TIMEOUT')) {
      throw new AsposeTransientError('timeout', `Aspose did not answer within ${http.options.timeoutMs} ms`, { ...context, cause: error });
    }
    throw new AsposeTransientError('network', `network error talking to Aspose (${code})`, { ...context, cause: error });
  }
}
