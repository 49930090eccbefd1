import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { fetchToken, getRegions, manualClock, requestToken } from './helpers.js';

describe('token endpoint and bearer auth', () => {
  let sim: Simulator;
  afterEach(() => sim.close());

  it('issues a bearer token for the right credentials', async () => {
    sim = await startSimulator({ tokenLifetimeSeconds: 1234 });
    const res = await requestToken(sim, {
      grant_type: 'client_credentials',
      client_id: 'regionwatch-demo',
      client_secret: 'regionwatch-demo-secret',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({ access_token: expect.any(String), expires_in: 1234, token_type: 'Bearer' });
    expect(sim.tokenUrl).toBe(`${sim.url}/connect/token`);
  });

  it('accepts client credentials in a Basic header too', async () => {
    sim = await startSimulator({ clientId: 'id', clientSecret: 's3cret' });
    const res = await fetch(sim.tokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('id:s3cret').toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
    });
    expect(res.status).toBe(200);
  });

  it('refuses wrong or missing credentials with invalid_client', async () => {
    sim = await startSimulator();
    const wrong = await requestToken(sim, { grant_type: 'client_credentials', client_id: 'regionwatch-demo', client_secret: 'nope' });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({ error: 'invalid_client' });
    const missing = await requestToken(sim, { grant_type: 'client_credentials' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ error: 'invalid_client' });
  });

  it('refuses other grant types and non-form bodies', async () => {
    sim = await startSimulator();
    const password = await requestToken(sim, {
      grant_type: 'password',
      client_id: 'regionwatch-demo',
      client_secret: 'regionwatch-demo-secret',
    });
    expect(await password.json()).toEqual({ error: 'unsupported_grant_type' });
    const noGrant = await requestToken(sim, { client_id: 'regionwatch-demo' });
    expect(await noGrant.json()).toEqual({ error: 'invalid_request' });
    const json = await fetch(sim.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({ error: 'invalid_request' });
  });

  it('answers 401 with a ProblemDetails body without a token or with an unknown one', async () => {
    sim = await startSimulator();
    const none = await fetch(`${sim.url}/v5.0/ocr/DetectRegions?id=x`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(none.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await none.json()).toMatchObject({ status: 401, title: 'Unauthorized' });

    const unknown = await getRegions(sim, 'not-a-token', 'x');
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect(sim.counters().unauthorized).toBe(2);
  });

  it('expires tokens after their lifetime on the injected clock', async () => {
    const clock = manualClock();
    sim = await startSimulator({ now: clock.now, tokenLifetimeSeconds: 60 });
    const token = await fetchToken(sim);
    expect((await getRegions(sim, token, 'x')).status).toBe(200);
    clock.advance(59_999);
    expect((await getRegions(sim, token, 'x')).status).toBe(200);
    clock.advance(1);
    const expired = await getRegions(sim, token, 'x');
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('expired');
    expect((await getRegions(sim, await fetchToken(sim), 'x')).status).toBe(200);
  });

  it('expireTokens, revokeTokens and setTokenLifetime', async () => {
    sim = await startSimulator();
    const first = await fetchToken(sim);
    sim.expireTokens();
    expect((await getRegions(sim, first, 'x')).status).toBe(401);

    const second = await fetchToken(sim);
    sim.revokeTokens();
    const revoked = await getRegions(sim, second, 'x');
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get('www-authenticate')).toContain('revoked');

    sim.setTokenLifetime(5);
    const res = await requestToken(sim, {
      grant_type: 'client_credentials',
      client_id: 'regionwatch-demo',
      client_secret: 'regionwatch-demo-secret',
    });
    const body = (await res.json()) as { access_token: string; expires_in: number };
    expect(body.expires_in).toBe(5);
    expect((await getRegions(sim, body.access_token, 'x')).status).toBe(200);
  });
});
