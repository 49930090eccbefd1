import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulator, type Simulator } from '@regionwatch/simulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AsposeAuthError,
  AsposeClient,
  AsposePermanentError,
  AsposeTransientError,
  createAsposeClient,
  loadConfig,
  parseOcrResponse,
  RateBudgetExhaustedError,
  TOKEN_FAILURE_MEMORY_MS,
  type AsposeClientOptions,
} from '../src/index.js';

let simulator: Simulator;
beforeAll(async () => {
  simulator = await startSimulator({ pendingMs: 30, processingMs: 30 });
});
afterAll(() => simulator.close());
afterEach(() => {
  simulator.clearFaults();
  simulator.setTokenLifetime(3600);
});

function client(overrides: Partial<AsposeClientOptions> = {}): AsposeClient {
  return new AsposeClient({
    baseUrl: simulator.url,
    tokenUrl: simulator.tokenUrl,
    clientId: simulator.credentials.clientId,
    clientSecret: simulator.credentials.clientSecret,
    timeoutMs: 2_000,
    ...overrides,
  });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('token provider', () => {
  it('fetches one token for 100 concurrent calls and reuses it', async () => {
    const c = client();
    const before = simulator.counters().token;
    const tokens = await Promise.all(Array.from({ length: 100 }, () => c.tokens.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(simulator.counters().token - before).toBe(1);
    await c.getDetectRegions(simulator.createTask());
    expect(simulator.counters().token - before).toBe(1);
  });

  it('refreshes shortly before expires_in', async () => {
    let now = Date.now();
    simulator.setTokenLifetime(100);
    const c = client({ now: () => now });
    const first = await c.tokens.getToken();
    now += 89_000; // inside the 10 % margin (10 s of 100 s)
    expect(await c.tokens.getToken()).toBe(first);
    now += 2_000;
    expect(await c.tokens.getToken()).not.toBe(first);
  });

  it('on 401 drops the token, refreshes once and retries once', async () => {
    const c = client();
    const id = simulator.createTask();
    await c.getDetectRegions(id);
    const before = simulator.counters();
    simulator.revokeTokens();
    expect((await c.getDetectRegions(id)).id).toBe(id);
    const after = simulator.counters();
    expect(after.token - before.token).toBe(1);
    expect(after.unauthorized - before.unauthorized).toBe(1);
    expect(after.get - before.get).toBe(2);
  });

  it('a token refused even after a refresh is an auth error', async () => {
    const c = client();
    // A token provider that always hands out a dead token, as if the account were disabled.
    const dead = 'not-a-token';
    Object.assign(c.tokens, { getToken: async () => dead, invalidate: () => {} });
    const error = await failure(c.getDetectRegions(simulator.createTask()));
    expect(error).toBeInstanceOf(AsposeAuthError);
    expect(error.message).toMatch(/Aspose refused a freshly issued token \(HTTP 401\) for task /);
    expect(error.message).not.toContain(dead);
  });

  it('wrong credentials are an auth error that names the variables to check', async () => {
    const error = await failure(client({ clientSecret: 'wrong' }).getDetectRegions('a'));
    expect(error).toBeInstanceOf(AsposeAuthError);
    expect(error.message).toMatch(/refused the credentials \(HTTP 400, invalid_client\): check ASPOSE_CLIENT_ID and ASPOSE_CLIENT_SECRET/);
    expect(error.message).not.toContain('wrong');
  });

  it('a token endpoint that is down is transient', async () => {
    simulator.setFaults({ tokenEndpointDown: true });
    const error = await failure(client().getDetectRegions('a'));
    expect(error).toBeInstanceOf(AsposeTransientError);
    expect((error as AsposeTransientError).reason).toBe('token-endpoint');
  });

  it('remembers a refused token request for a few seconds: one token request, not one per poll', async () => {
    let now = Date.now();
    const c = client({ clientSecret: 'wrong', now: () => now });
    const before = simulator.counters().token;
    for (let i = 0; i < 50; i += 1) {
      expect(await failure(c.getDetectRegions('a'))).toBeInstanceOf(AsposeAuthError);
      now += 90; // 50 polls over 4.5 s
    }
    expect(simulator.counters().token - before).toBe(1);
    now += TOKEN_FAILURE_MEMORY_MS;
    await failure(c.getDetectRegions('a'));
    expect(simulator.counters().token - before).toBe(2);
  });

  it('keeps using an unexpired token while its refresh fails', async () => {
    let now = Date.now();
    simulator.setTokenLifetime(100);
    const c = client({ now: () => now });
    const first = await c.tokens.getToken();
    now += 95_000; // past the refresh point (90 s), before expiry (100 s)
    simulator.setFaults({ tokenEndpointDown: true });
    expect(await c.tokens.getToken()).toBe(first);
    now += 10_000; // expired
    expect(await failure(c.tokens.getToken())).toBeInstanceOf(AsposeTransientError);
  });

  it('onSend is called once per GET that goes out (both GETs of a refused token, a 5xx too), never for one held back', async () => {
    const c = client();
    const id = simulator.createTask();
    let sent = 0;
    const onSend = () => void (sent += 1);
    await c.getDetectRegions(id, { onSend });
    expect(sent).toBe(1);
    simulator.revokeTokens();
    await c.getDetectRegions(id, { onSend });
    expect(sent).toBe(3);
    simulator.setFaults({ serverErrorRate: 1 });
    expect(await failure(c.getDetectRegions(id, { onSend }))).toBeInstanceOf(AsposeTransientError);
    simulator.clearFaults();
    expect(sent).toBe(4);
    const refusing = client({
      beforeRequest: async () => {
        throw new RateBudgetExhaustedError({ max: 1, windowMs: 1_000 }, { retryAfterMs: 10 });
      },
    });
    expect(await failure(refusing.getDetectRegions(id, { onSend }))).toBeInstanceOf(RateBudgetExhaustedError);
    expect(sent).toBe(4);
  });

  it('counts token requests against the request budget (beforeRequest)', async () => {
    const seen: (string | undefined)[] = [];
    const c = client({ beforeRequest: async (taskId) => void seen.push(taskId) });
    const id = simulator.createTask();
    await c.getDetectRegions(id);
    await c.getDetectRegions(id);
    expect(seen).toEqual([undefined, id, id]); // the token request, then two GETs
  });

  it('sends no token request when the budget says no', async () => {
    const before = simulator.counters().token;
    const refuse = async () => {
      throw new RateBudgetExhaustedError({ max: 1, windowMs: 1_000 }, { retryAfterMs: 10 });
    };
    const c = client({ beforeRequest: refuse });
    expect(await failure(c.getDetectRegions('a'))).toBeInstanceOf(RateBudgetExhaustedError);
    expect(simulator.counters().token).toBe(before);
  });

  it.each([
    [1, 60_000],
    [0, 60_000],
    [-5, 60_000],
    [3_600, 3_600_000],
    [10 ** 9, 24 * 3_600_000],
  ])('clamps expires_in %s s to a lifetime of %s ms', async (expiresIn, lifetimeMs) => {
    simulator.setTokenLifetime(3600);
    let now = Date.now();
    const c = client({ now: () => now, tokenUrl: `${tokenServer.url}?expires_in=${expiresIn}` });
    const first = await c.tokens.getToken();
    const margin = Math.min(60_000, lifetimeMs / 10);
    now += lifetimeMs - margin - 1;
    expect(await c.tokens.getToken()).toBe(first);
    now += 2;
    expect(await c.tokens.getToken()).not.toBe(first);
  });
});

/** A token endpoint answering `expires_in` from its query string, and a fresh token each time. */
const tokenServer = { url: '', server: undefined as Server | undefined };
beforeAll(async () => {
  let issued = 0;
  tokenServer.server = createServer((req, res) => {
    const expiresIn = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('expires_in'));
    issued += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `t${issued}`, expires_in: expiresIn }));
  });
  await new Promise<void>((resolve) => tokenServer.server?.listen(0, '127.0.0.1', resolve));
  tokenServer.url = `http://127.0.0.1:${(tokenServer.server.address() as AddressInfo).port}/connect/token`;
});
afterAll(() => new Promise<void>((resolve) => (tokenServer.server ? tokenServer.server.close(() => resolve()) : resolve())));

describe('token endpoint answers that are unusable', () => {
  let server: Server;
  let answer: { status: number; body: string } = { status: 200, body: '' };
  let url = '';
  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/connect/token`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([
    ['not JSON', '<html>oops</html>', /not JSON/],
    ['no access_token', '{"expires_in":3600}', /without an access_token/],
    ['expires_in a string', '{"access_token":"t","expires_in":"soon"}', /unusable expires_in \("soon"\)/],
  ])('%s → AsposeAuthError', async (_name, body, message) => {
    answer = { status: 200, body };
    const error = await failure(client({ tokenUrl: url }).tokens.getToken());
    expect(error).toBeInstanceOf(AsposeAuthError);
    expect(error.message).toMatch(message);
  });

  it('a refusal with a 250 KB OAuth error text gives a short message', async () => {
    answer = { status: 400, body: JSON.stringify({ error: `invalid_client ${'x'.repeat(250_000)}` }) };
    const error = await failure(client({ tokenUrl: url }).tokens.getToken());
    expect(error).toBeInstanceOf(AsposeAuthError);
    expect(error.message).toMatch(/^token endpoint refused the credentials \(HTTP 400, invalid_client x+… \(\d+ more characters\)\)/);
    expect(error.message.length).toBeLessThan(400);
  });
});

describe('getDetectRegions', () => {
  it('follows a task through Pending, Processing and Completed', async () => {
    // The simulator's clock is moved by hand: the phases do not depend on how fast this runs.
    let now = 1_750_000_000_000;
    const scripted = await startSimulator({ now: () => now });
    try {
      const c = client({ baseUrl: scripted.url, tokenUrl: scripted.tokenUrl });
      const id = scripted.createTask({
        pendingMs: 50,
        processingMs: 50,
        outcome: { status: 'Completed', rectangles: [[[0, 8, 697, 441]]] },
      });
      expect((await c.getDetectRegions(id)).taskStatus).toBe('Pending');
      now += 50;
      expect((await c.getDetectRegions(id)).taskStatus).toBe('Processing');
      now += 50;
      const done = await c.getDetectRegions(id);
      expect(done).toEqual({
        id,
        taskStatus: 'Completed',
        responseStatusCode: 'Ok',
        results: [{ type: 'Other', data: 'W1swLCA4LCA2OTcsIDQ0MV1d' }],
        error: null,
      });
      await c.close();
    } finally {
      await scripted.close();
    }
  });

  it('reads Error and NotExist as statuses (200 answers)', async () => {
    const c = client();
    const failed = simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Error', messages: ['bad image'] } });
    expect(await c.getDetectRegions(failed)).toMatchObject({ taskStatus: 'Error', error: { messages: ['bad image'] } });
    expect((await c.getDetectRegions('00000000-0000-4000-8000-000000000000')).taskStatus).toBe('NotExist');
  });

  it('429 with Retry-After in seconds is transient and carries the delay', async () => {
    simulator.setFaults({ tooManyRequests: { rate: 1, retryAfterSeconds: 3 } });
    const error = await failure(client().getDetectRegions('task-429'));
    expect(error).toBeInstanceOf(AsposeTransientError);
    expect(error).toMatchObject({ reason: 'rate-limited', statusCode: 429, taskId: 'task-429', retryAfterMs: 3_000 });
  });

  it('429 with Retry-After as an HTTP-date is transient and carries the time left until that date', async () => {
    simulator.setFaults({ tooManyRequests: { rate: 1, retryAfterSeconds: 5, retryAfterHttpDate: true } });
    // The simulator dates its answer 5 s after it reads its clock, rounded up to the second (HTTP-dates
    // have no milliseconds); the client subtracts its own later reading. Both readings fall between
    // these two, so the delay is bracketed exactly, however slow the round trip.
    const before = Date.now();
    const error = await failure(client().getDetectRegions('task-429'));
    const after = Date.now();
    expect(error).toMatchObject({ reason: 'rate-limited', statusCode: 429, taskId: 'task-429' });
    const dated = (at: number) => Math.ceil((at + 5_000) / 1_000) * 1_000;
    const retryAfterMs = (error as AsposeTransientError).retryAfterMs ?? Number.NaN;
    expect(retryAfterMs).toBeGreaterThanOrEqual(dated(before) - after);
    expect(retryAfterMs).toBeLessThanOrEqual(dated(after) - before);
  });

  it('5xx is transient', async () => {
    simulator.setFaults({ serverErrorRate: 1 });
    const error = await failure(client().getDetectRegions('task-5xx'));
    expect(error).toMatchObject({ reason: 'server-error', taskId: 'task-5xx' });
    expect(error.message).toMatch(/^Aspose answered HTTP 50\d for task task-5xx$/);
  });

  it('a timeout is transient', async () => {
    // An answer an hour late cannot beat the timeout, however busy the machine. The timeout also bounds the
    // token fetch, which the fault does not delay: 3 s leaves it room on a loaded machine (100 ms did not).
    simulator.setFaults({ latency: { rate: 1, ms: 3_600_000 } });
    const error = await failure(client({ timeoutMs: 3_000 }).getDetectRegions('task-slow'));
    expect(error).toBeInstanceOf(AsposeTransientError);
    expect(error).toMatchObject({ reason: 'timeout' });
  });

  it('a reset connection is transient', async () => {
    simulator.setFaults({ resetRate: 1 });
    const error = await failure(client().getDetectRegions('task-reset'));
    expect(error).toMatchObject({ reason: 'network' });
    expect(error.message).toMatch(/network error talking to Aspose \(ECONNRESET\) for task task-reset/);
  });

  it('a body that is not JSON is permanent', async () => {
    simulator.setFaults({ nonJsonRate: 1 });
    const error = await failure(client().getDetectRegions(simulator.createTask()));
    expect(error).toBeInstanceOf(AsposePermanentError);
    expect(error).toMatchObject({ reason: 'invalid-body' });
    expect(error.message).toMatch(/not JSON/);
  });

  it.each([
    ['an unknown taskStatus', '{"taskStatus":"Exploded"}', 'unknown-status', /unknown taskStatus "Exploded"/],
    ['a missing taskStatus', '{"id":"x"}', 'schema-mismatch', /taskStatus: /],
    ['results of the wrong type', '{"taskStatus":"Completed","results":"yes"}', 'schema-mismatch', /results: /],
    ['an array', '[]', 'schema-mismatch', /not an OCRResponse/],
  ])('%s is permanent', async (_name, rawBody, reason, message) => {
    const id = simulator.createTask({ rawBody });
    const error = await failure(client().getDetectRegions(id));
    expect(error).toBeInstanceOf(AsposePermanentError);
    expect(error).toMatchObject({ reason, taskId: id });
    expect(error.message).toMatch(message);
  });

  it('an answer with half a million bad items fails fast with a bounded message', () => {
    const items = Array.from({ length: 512_000 }, () => 1);
    for (const body of [
      JSON.stringify({ taskStatus: 'Completed', results: items }),
      JSON.stringify({ taskStatus: 'Completed', results: items.slice(0, 9_000) }),
      JSON.stringify({ taskStatus: 'Error', error: { messages: items.slice(0, 900) } }),
      JSON.stringify({ taskStatus: 'x'.repeat(100_000) }),
    ]) {
      let error: unknown;
      try {
        parseOcrResponse(body, 'task-1');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AsposePermanentError);
      expect((error as Error).message.length).toBeLessThan(1_000);
    }
  });

  it('an oversized body is permanent and not read to the end', async () => {
    const id = simulator.createTask({ rawBody: `{"taskStatus":"Pending","pad":"${'x'.repeat(300_000)}"}` });
    const error = await failure(client({ maxResponseBytes: 100_000 }).getDetectRegions(id));
    expect(error).toMatchObject({ reason: 'invalid-body' });
    expect(error.message).toMatch(/larger than 100000 bytes/);
  });
});

describe('submitDetectRegions and cancel', () => {
  it('submits an image and gets a task id that can be polled, then cancels it', async () => {
    // The simulator's clock stands still, so the new task is still Pending when it is read, however slow the machine.
    const frozen = await startSimulator({ now: () => 1_750_000_000_000 });
    try {
      const c = client({ baseUrl: frozen.url, tokenUrl: frozen.tokenUrl });
      const id = await c.submitDetectRegions(Buffer.from('fake image bytes'), { language: 'English' });
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect((await c.getDetectRegions(id)).taskStatus).toBe('Pending');
      await c.cancel(id);
      expect((await c.getDetectRegions(id)).taskStatus).toBe('NotExist');
      await c.close();
    } finally {
      await frozen.close();
    }
  });

  it('refuses an empty image before calling Aspose', async () => {
    const error = await failure(client().submitDetectRegions(Buffer.alloc(0)));
    expect(error).toBeInstanceOf(AsposePermanentError);
  });

  it('createAsposeClient needs credentials', () => {
    expect(() => createAsposeClient(loadConfig({}))).toThrow(/ASPOSE_CLIENT_ID: is required/);
  });
});
