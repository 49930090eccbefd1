import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AsposeAuthError, AsposeTransientError, RateBudgetExhaustedError, TokenProvider } from '../src/index.js';
import { AsposeHttp } from '../src/http/aspose-http.js';

// The token provider alone, on a clock the test moves and a token endpoint that answers what the test scripts:
// when it reuses a token, when it asks again, what it remembers of a failure. Expected times are literals worked
// out from the documented rules (reuse until 10 % — at most a minute — before `expires_in`; five minutes when
// the endpoint omits it; a failure remembered for `failureMemoryMs`).

type Answer = { status: number; body: string };
const endpoint = { url: '', answers: [] as Answer[], requests: [] as { headers: IncomingHttpHeaders; body: string }[], issued: 0 };
let server: Server;
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      endpoint.requests.push({ headers: req.headers, body });
      endpoint.issued += 1;
      const answer = endpoint.answers.shift() ?? {
        status: 200,
        body: JSON.stringify({ access_token: `t${endpoint.issued}`, expires_in: 600 }),
      };
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/connect/token`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  endpoint.answers = [];
  endpoint.requests = [];
  endpoint.issued = 0;
});

const T0 = 1_700_000_000_000;
const https: AsposeHttp[] = [];
afterAll(() => Promise.all(https.map((h) => h.close())));

function provider(options: { failureMemoryMs?: number; beforeRequest?: () => Promise<void>; tokenUrl?: string } = {}) {
  const clock = { t: T0 };
  const http = new AsposeHttp({ timeoutMs: 5_000 });
  https.push(http);
  const tokens = new TokenProvider({
    tokenUrl: options.tokenUrl ?? endpoint.url,
    clientId: 'id',
    clientSecret: 'secret',
    http,
    now: () => clock.t,
    ...(options.failureMemoryMs === undefined ? {} : { failureMemoryMs: options.failureMemoryMs }),
    ...(options.beforeRequest ? { beforeRequest: options.beforeRequest } : {}),
  });
  return { tokens, clock };
}
const down = (): Answer => ({ status: 503, body: '{}' });
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as Error,
  );

describe('token provider: when a token is reused and when it is asked for again', () => {
  it('reuses a token until 10 % (at most a minute) before expires_in, and asks for a new one from that instant', async () => {
    const { tokens, clock } = provider();
    expect(await tokens.getToken()).toBe('t1'); // expires_in 600 s: refresh at 540 s
    clock.t = T0 + 539_999;
    expect(await tokens.getToken()).toBe('t1');
    expect(endpoint.requests).toHaveLength(1);
    clock.t = T0 + 540_000;
    expect(await tokens.getToken()).toBe('t2');
    expect(endpoint.requests).toHaveLength(2);
  });

  it('asks with the client credentials as a form, accepting JSON', async () => {
    const { tokens } = provider();
    await tokens.getToken();
    expect(endpoint.requests[0]?.headers.accept).toBe('application/json');
    expect(endpoint.requests[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(endpoint.requests[0]?.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'id',
      client_secret: 'secret',
    });
  });

  it('keeps a token five minutes when the endpoint omits expires_in (refreshed 30 s early)', async () => {
    const { tokens, clock } = provider();
    endpoint.answers.push({ status: 200, body: JSON.stringify({ access_token: 'no-expiry' }) });
    expect(await tokens.getToken()).toBe('no-expiry');
    clock.t = T0 + 269_999;
    expect(await tokens.getToken()).toBe('no-expiry');
    clock.t = T0 + 270_000;
    expect(await tokens.getToken()).not.toBe('no-expiry');
  });

  it('drops only the token the API refused: a stale one’s 401 keeps the current token', async () => {
    const { tokens } = provider();
    tokens.invalidate('nothing cached yet'); // no token yet: nothing to drop, no error
    const first = await tokens.getToken();
    tokens.invalidate('an older token');
    expect(await tokens.getToken()).toBe(first);
    expect(endpoint.requests).toHaveLength(1);
    tokens.invalidate(first);
    expect(await tokens.getToken()).not.toBe(first);
    expect(endpoint.requests).toHaveLength(2);
  });
});

describe('token provider: failures', () => {
  it('remembers a failed request for failureMemoryMs exactly, then asks again', async () => {
    const { tokens, clock } = provider({ failureMemoryMs: 5_000 });
    endpoint.answers.push(down());
    const first = await failure(tokens.getToken());
    clock.t = T0 + 4_999;
    expect(await failure(tokens.getToken())).toBe(first); // the same error, no request
    expect(endpoint.requests).toHaveLength(1);
    clock.t = T0 + 5_000;
    expect(await tokens.getToken()).toBe('t2');
  });

  it('keeps using the token it holds while refreshes fail, until that token expires — not a millisecond longer', async () => {
    const { tokens, clock } = provider({ failureMemoryMs: 120_000 });
    expect(await tokens.getToken()).toBe('t1'); // expires at 600 s
    endpoint.answers.push(down());
    clock.t = T0 + 540_000; // the refresh fails: the held token is still good
    expect(await tokens.getToken()).toBe('t1');
    clock.t = T0 + 599_999; // failure remembered: no request, the held token still good
    expect(await tokens.getToken()).toBe('t1');
    expect(endpoint.requests).toHaveLength(2);
    clock.t = T0 + 600_000; // expired, failure still remembered: the failure, without a request
    expect(await failure(tokens.getToken())).toBeInstanceOf(AsposeTransientError);
    expect(endpoint.requests).toHaveLength(2);
  });

  it('a refresh failing at the instant the held token expires is the failure, not the expired token', async () => {
    const { tokens, clock } = provider({ failureMemoryMs: 1_000 });
    expect(await tokens.getToken()).toBe('t1');
    endpoint.answers.push(down());
    clock.t = T0 + 600_000;
    expect(await failure(tokens.getToken())).toBeInstanceOf(AsposeTransientError);
  });

  it('our own request budget being spent is not remembered as a failure: the next call asks at once', async () => {
    let refuse = true;
    const { tokens } = provider({
      beforeRequest: async () => {
        if (refuse) throw new RateBudgetExhaustedError({ max: 1, windowMs: 1_000 }, { retryAfterMs: 200 });
      },
    });
    expect(await failure(tokens.getToken())).toBeInstanceOf(RateBudgetExhaustedError);
    expect(endpoint.requests).toHaveLength(0);
    refuse = false;
    expect(await tokens.getToken()).toBe(`t${endpoint.issued}`);
    expect(endpoint.requests).toHaveLength(1);
  });

  it('an unreachable endpoint is transient (token-endpoint); an unreadable answer is an auth error; both keep the cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = await failure(provider({ tokenUrl: `http://127.0.0.1:${port}/connect/token` }).tokens.getToken());
    expect(unreachable).toBeInstanceOf(AsposeTransientError);
    expect((unreachable as AsposeTransientError).reason).toBe('token-endpoint');
    expect(unreachable.message).toMatch(/^token endpoint unreachable: network error talking to Aspose/);
    expect(unreachable.cause).toBeInstanceOf(AsposeTransientError);

    endpoint.answers.push({ status: 200, body: 'x'.repeat(4 * 1024 * 1024 + 1) }); // over the 4 MB bound
    const unreadable = await failure(provider().tokens.getToken());
    expect(unreadable).toBeInstanceOf(AsposeAuthError);
    expect(unreadable.message).toMatch(/^token endpoint answered unusably: Aspose answered a body larger than/);
    expect(unreadable.cause).toBeInstanceOf(Error);
  });

  it.each([
    ['an empty access_token', '{"access_token":"","expires_in":600}', /without an access_token/],
    ['expires_in as text', '{"access_token":"a","expires_in":"600"}', /unusable expires_in \("600"\)/],
    ['expires_in null', '{"access_token":"a","expires_in":null}', /unusable expires_in \(null\)/],
    ['an infinite expires_in', '{"access_token":"a","expires_in":1e999}', /unusable expires_in \(null\)/],
  ])('refuses %s as an auth error', async (_name, body, message) => {
    endpoint.answers.push({ status: 200, body });
    const error = await failure(provider().tokens.getToken());
    expect(error).toBeInstanceOf(AsposeAuthError);
    expect(error.message).toMatch(message);
  });
});
