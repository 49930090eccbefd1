import type { OCRResponse, Simulator } from '../src/index.js';

/** A 1×1 PNG as base64: what a client would really send. */
export const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

export async function fetchToken(sim: Simulator, credentials = sim.credentials): Promise<string> {
  const res = await requestToken(sim, {
    grant_type: 'client_credentials',
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
  });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status}`);
  const body = (await res.json()) as { access_token: string };
  return body.access_token;
}

export function requestToken(sim: Simulator, form: Record<string, string>): Promise<Response> {
  return fetch(sim.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

export function submit(sim: Simulator, token: string, body: unknown = { image: TINY_PNG, settings: {} }): Promise<Response> {
  return fetch(`${sim.url}/v5.0/ocr/DetectRegions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export function getRegions(sim: Simulator, token: string, id: string): Promise<Response> {
  return fetch(`${sim.url}/v5.0/ocr/DetectRegions?id=${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${token}` } });
}

export function getStatus(sim: Simulator, token: string, id: string): Promise<Response> {
  return fetch(`${sim.url}/v5.0/ocr/Utilities/GetTaskStatus?id=${encodeURIComponent(id)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
}

export async function getJson(sim: Simulator, token: string, id: string): Promise<OCRResponse> {
  const res = await getRegions(sim, token, id);
  if (res.status !== 200) throw new Error(`GET failed: ${res.status}`);
  return (await res.json()) as OCRResponse;
}

/** Decodes an Aspose DetectRegions result item back to rectangles. */
export function decodeRectangles(data: string | null): number[][] {
  return JSON.parse(Buffer.from(data ?? '', 'base64').toString('utf8')) as number[][];
}

/** A clock tests move by hand. */
export function manualClock(start = 1_750_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let current = start;
  return { now: () => current, advance: (ms) => (current += ms) };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
