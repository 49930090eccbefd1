import type { AsposeError } from '../errors/aspose-error.js';
import { AsposeAuthError } from '../errors/aspose-auth-error.js';
import { AsposePermanentError } from '../errors/aspose-permanent-error.js';
import { AsposeTransientError } from '../errors/aspose-transient-error.js';
import type { HttpResponse } from '../http/send.js';
import { parseRetryAfter } from '../http/retry-after.js';
import { previewBody } from './preview-body.js';
import { truncateText } from '../text/bounded-text.js';

/** Which Aspose endpoint answered: the OCR API, or the OAuth2 token endpoint. */
export type AsposeEndpoint = 'api' | 'token';

/**
 * The one place that maps an Aspose HTTP status onto an error class; `undefined` for a success.
 * 408, 429 and 5xx are transient everywhere (with the server's `Retry-After`). On the API a 401/403
 * means the token was refused (the client has already retried once with a fresh one), and any other
 * 4xx is permanent. On the token endpoint anything else but 200 means the credentials were refused.
 */
export function asposeErrorForStatus(endpoint: AsposeEndpoint, response: HttpResponse, taskId?: string): AsposeError | undefined {
  const statusCode = response.statusCode;
  const context = { taskId, statusCode };
  const retryAfterMs = () => parseRetryAfter(response.headers['retry-after']);
  const transient = statusCode === 408 || statusCode === 429 || statusCode >= 500;
  if (endpoint === 'token') {
    if (statusCode === 200) return undefined;
    if (transient) {
      return new AsposeTransientError('token-endpoint', `token endpoint answered HTTP ${statusCode}`, {
        ...context,
        retryAfterMs: retryAfterMs(),
      });
    }
    return new AsposeAuthError(
      `token endpoint refused the credentials (HTTP ${statusCode}${oauthError(response.body)}): ` +
        'check ASPOSE_CLIENT_ID and ASPOSE_CLIENT_SECRET',
      context,
    );
  }
  if (statusCode >= 200 && statusCode < 300) return undefined;
  if (statusCode === 401 || statusCode === 403) {
    return new AsposeAuthError(`Aspose refused a freshly issued token (HTTP ${statusCode})`, context);
  }
  if (statusCode === 429) {
    return new AsposeTransientError('rate-limited', 'Aspose rate-limited the request (HTTP 429)', {
      ...context,
      retryAfterMs: retryAfterMs(),
    });
  }
  if (transient) {
    return new AsposeTransientError('server-error', `Aspose answered HTTP ${statusCode}`, { ...context, retryAfterMs: retryAfterMs() });
  }
  return new AsposePermanentError('client-error', `Aspose answered HTTP ${statusCode}: ${previewBody(response.body)}`, context);
}

/**
 * The OAuth2 `error` field of a refusal, as ", invalid_client", when there is one. RFC 6749 codes are
 * short ASCII words; anything else is cut, so a broken endpoint cannot copy a page into every task.
 */
function oauthError(body: string): string {
  try {
    const { error } = JSON.parse(body) as { error?: unknown };
    return typeof error === 'string' ? `, ${truncateText(error.replace(/[^\x20-\x7e]/g, '?'), 64)}` : '';
  } catch {
    return '';
  }
}
