import type { Config } from '../config/config-schema.js';
import { requireAsposeCredentials } from '../config/load-config.js';
import { taskIdSchema } from '../contract/fields.js';
import { AsposePermanentError } from '../errors/aspose-permanent-error.js';
import { AsposeHttp, DEFAULT_MAX_RESPONSE_BYTES } from '../http/aspose-http.js';
import { send, type HttpResponse, type RequestSpec } from '../http/send.js';
import { asposeErrorForStatus } from './aspose-error-for-status.js';
import { isTaskStatus, OCR_RESPONSE_LIMITS, ocrResponseSchema, type OcrResponse } from './ocr-response.js';
import { truncateText } from '../text/bounded-text.js';
import { previewBody } from './preview-body.js';
import { describeIssues } from '../validation/describe-issues.js';
import { TokenProvider } from './token-provider.js';

export type AsposeClientOptions = {
  /** API base, e.g. https://api.aspose.cloud */
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  maxResponseBytes?: number;
  now?: () => number;
  /**
   * Called right before every request to Aspose (token requests and retries after a refused token
   * included), so a shared rate limit counts requests as Aspose sees them; throw to not send.
   */
  beforeRequest?: (taskId: string | undefined) => Promise<void>;
};

/** The API's `OCRSettingsDetectRegions`, passed through as given; every field optional. */
export type DetectRegionsSettings = {
  language?: string;
  makeSkewCorrect?: boolean;
  makeBinarization?: boolean;
  makeUpsampling?: boolean;
  makeContrastCorrection?: boolean;
  makeSpellCheck?: boolean;
  dsrMode?: string;
  dsrConfidence?: string;
  Rotate?: number;
  [setting: string]: unknown;
};

const DETECT_REGIONS = '/v5.0/ocr/DetectRegions';

/**
 * The calls regionwatch makes to Aspose OCR Cloud 5.0. Each returns a validated answer or throws
 * one of `AsposeTransientError`, `AsposeAuthError`, `AsposePermanentError`.
 */
export class AsposeClient {
  readonly tokens: TokenProvider;
  private readonly http: AsposeHttp;
  private readonly baseUrl: string;
  private readonly maxResponseBytes: number;
  private readonly beforeRequest: ((taskId: string | undefined) => Promise<void>) | undefined;

  constructor(options: AsposeClientOptions) {
    this.http = new AsposeHttp({ timeoutMs: options.timeoutMs });
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.beforeRequest = options.beforeRequest;
    this.tokens = new TokenProvider({
      tokenUrl: options.tokenUrl,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      http: this.http,
      ...(options.now ? { now: options.now } : {}),
      // Token requests are requests to Aspose too: they count against the same budget.
      ...(options.beforeRequest ? { beforeRequest: () => options.beforeRequest?.(undefined) ?? Promise.resolve() } : {}),
    });
  }

  /**
   * `GET /v5.0/ocr/DetectRegions?id=` → the parsed, schema-checked `OCRResponse`. `onSend` is called as
   * each GET goes out (twice when a refused token is refreshed), whatever comes back: what the task's
   * `polls` counts.
   */
  async getDetectRegions(taskId: string, calls: { onSend?: () => void } = {}): Promise<OcrResponse> {
    const spec: RequestSpec = { method: 'GET', url: this.baseUrl + DETECT_REGIONS, searchParams: { id: taskId } };
    const response = await this.authorized(spec, taskId, calls.onSend);
    return parseOcrResponse(response.body, taskId);
  }

  /** `POST /v5.0/ocr/DetectRegions` with the image → the new task id. */
  async submitDetectRegions(image: Buffer | Uint8Array, settings: DetectRegionsSettings = {}): Promise<string> {
    if (image.byteLength === 0) throw new AsposePermanentError('client-error', 'the image is empty', {});
    const response = await this.authorized(
      {
        method: 'POST',
        url: this.baseUrl + DETECT_REGIONS,
        json: { image: Buffer.from(image).toString('base64'), settings },
        headers: { accept: 'text/plain' },
      },
      undefined,
    );
    // The id comes as plain text; tolerate a JSON-quoted string too.
    const text = response.body.trim().replace(/^"(.*)"$/, '$1');
    const id = taskIdSchema.safeParse(text);
    if (!id.success) {
      throw new AsposePermanentError(
        'invalid-body',
        `Aspose answered the submission with something that is not a task id: ${previewBody(response.body)}`,
        {},
      );
    }
    return id.data;
  }

  /** Closes the connection pool (idle keep-alive sockets would otherwise hold the process open). */
  close(): Promise<void> {
    return this.http.close();
  }

  /** `DELETE /v5.0/ocr/DetectRegions?id=`: asks Aspose to drop the task. */
  async cancel(taskId: string): Promise<void> {
    await this.authorized({ method: 'DELETE', url: this.baseUrl + DETECT_REGIONS, searchParams: { id: taskId } }, taskId);
  }

  /**
   * Sends with a bearer token; on 401/403 drops that token, refreshes once and retries once
   * (what Aspose's own SDKs do). Maps the status to the error classes.
   */
  private async authorized(spec: RequestSpec, taskId: string | undefined, onSend?: () => void): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt += 1) {
      const token = await this.tokens.getToken();
      await this.beforeRequest?.(taskId);
      onSend?.();
      const response = await send(
        this.http,
        { ...spec, headers: { ...spec.headers, authorization: `Bearer ${token}` } },
        { taskId },
        this.maxResponseBytes,
      );
      if (response.statusCode === 401 || response.statusCode === 403) {
        this.tokens.invalidate(token);
        if (attempt === 1) continue;
      }
      const error = asposeErrorForStatus('api', response, taskId);
      if (error) throw error;
      return response;
    }
  }
}

/** Validates a DetectRegions body; every way it can be wrong is an `AsposePermanentError`. */
export function parseOcrResponse(body: string, taskId: string): OcrResponse {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new AsposePermanentError('invalid-body', `Aspose answered a body that is not JSON: ${previewBody(body)}`, { taskId });
  }
  const oversized = oversizedList(json);
  if (oversized) {
    throw new AsposePermanentError('schema-mismatch', `Aspose answered JSON that is not an OCRResponse (${oversized})`, { taskId });
  }
  const parsed = ocrResponseSchema.safeParse(json);
  if (!parsed.success) {
    const where = describeIssues(parsed.error, '(body)');
    throw new AsposePermanentError('schema-mismatch', `Aspose answered JSON that is not an OCRResponse (${where})`, { taskId });
  }
  const { taskStatus } = parsed.data;
  if (!isTaskStatus(taskStatus)) {
    const shown = truncateText(JSON.stringify(taskStatus), 100);
    throw new AsposePermanentError('unknown-status', `Aspose answered an unknown taskStatus ${shown}`, { taskId });
  }
  return { ...parsed.data, taskStatus };
}

/**
 * A list over its limit, found before the schema walks it item by item (zod would check every one of
 * half a million items, and report each, before looking at the length).
 */
function oversizedList(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { results, error } = json as { results?: unknown; error?: { messages?: unknown; warnings?: unknown } | null };
  const lists: [string, unknown, number][] = [
    ['results', results, OCR_RESPONSE_LIMITS.resultItems],
    ['error.messages', error?.messages, OCR_RESPONSE_LIMITS.messages],
    ['error.warnings', error?.warnings, OCR_RESPONSE_LIMITS.messages],
  ];
  for (const [path, list, max] of lists) {
    if (Array.isArray(list) && list.length > max) return `${path}: ${list.length} items, at most ${max} accepted`;
  }
  return undefined;
}

/** The variables a client is built from (the worker's, the producer's and the demo's configs all have them). */
export type AsposeConfig = Pick<
  Config,
  'ASPOSE_BASE_URL' | 'ASPOSE_TOKEN_URL' | 'ASPOSE_TIMEOUT_MS' | 'ASPOSE_CLIENT_ID' | 'ASPOSE_CLIENT_SECRET'
>;

/** Builds a client from the config; throws `ConfigError` without credentials. */
export function createAsposeClient(config: AsposeConfig, overrides: Partial<AsposeClientOptions> = {}): AsposeClient {
  const { clientId, clientSecret } = requireAsposeCredentials(config);
  return new AsposeClient({
    baseUrl: config.ASPOSE_BASE_URL,
    tokenUrl: config.ASPOSE_TOKEN_URL,
    clientId,
    clientSecret,
    timeoutMs: config.ASPOSE_TIMEOUT_MS,
    maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
    ...overrides,
  });
}
