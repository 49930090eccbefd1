import type { EndpointHealth } from '@regionwatch/core';
import { describe, expect, it } from 'vitest';
import { endpointLabel, NAMED_ENDPOINTS, WorkerMetrics } from '../src/index.js';

// The per-endpoint gauges' label set stays bounded: the first NAMED_ENDPOINTS endpoints by name, the
// rest summed up under `other`.

function health(i: number, overrides: Partial<EndpointHealth> = {}): EndpointHealth {
  return {
    endpoint: `https://hooks-${i}.example.com`,
    state: 'closed',
    consecutiveFailures: 0,
    held: 0,
    undelivered: 0,
    oldestUndeliveredAt: null,
    openedAt: null,
    nextProbeAt: null,
    pausedUntil: null,
    lastError: null,
    lastErrorAt: null,
    lastSuccessAt: null,
    lastSeenAt: 0,
    ...overrides,
  };
}

const value = (text: string, name: string, endpoint: string) =>
  Number(new RegExp(`^${name}\\{endpoint="${endpoint.replace(/[.]/g, '\\.')}"\\} (\\S+)$`, 'm').exec(text)?.[1]);

describe('per-endpoint webhook metrics', () => {
  it('name the first endpoints and sum the rest under "other" (worst state, every held delivery, oldest age)', async () => {
    const now = Date.now();
    const endpoints = Array.from({ length: NAMED_ENDPOINTS + 5 }, (_, i) => health(i));
    endpoints[0] = health(0, { state: 'open', held: 7, oldestUndeliveredAt: now - 60_000 });
    endpoints[NAMED_ENDPOINTS + 1] = health(NAMED_ENDPOINTS + 1, { state: 'half-open', held: 3, oldestUndeliveredAt: now - 5_000 });
    endpoints[NAMED_ENDPOINTS + 3] = health(NAMED_ENDPOINTS + 3, { held: 2, oldestUndeliveredAt: now - 90_000 });
    const metrics = new WorkerMetrics({ defaultMetrics: false });
    metrics.watchEndpoints(async () => endpoints);
    const text = await metrics.registry.metrics();

    expect(text.match(/^regionwatch_webhook_held\{/gm)).toHaveLength(NAMED_ENDPOINTS + 1);
    expect(value(text, 'regionwatch_webhook_breaker_state', 'https://hooks-0.example.com')).toBe(2);
    expect(value(text, 'regionwatch_webhook_held', 'https://hooks-0.example.com')).toBe(7);
    expect(value(text, 'regionwatch_webhook_oldest_undelivered_seconds', 'https://hooks-0.example.com')).toBeGreaterThanOrEqual(60);
    expect(value(text, 'regionwatch_webhook_breaker_state', 'https://hooks-1.example.com')).toBe(0);
    expect(value(text, 'regionwatch_webhook_breaker_state', 'other')).toBe(1);
    expect(value(text, 'regionwatch_webhook_held', 'other')).toBe(5);
    expect(value(text, 'regionwatch_webhook_oldest_undelivered_seconds', 'other')).toBeGreaterThanOrEqual(90);
    expect(value(text, 'regionwatch_webhook_oldest_undelivered_seconds', 'other')).toBeLessThan(120);
  });

  it('answer with the last values known while the read does not answer (Redis down)', async () => {
    const metrics = new WorkerMetrics({ defaultMetrics: false });
    let read: () => Promise<EndpointHealth[]> = async () => [health(0, { state: 'open', held: 4 })];
    metrics.watchEndpoints(() => read());
    expect(value(await metrics.registry.metrics(), 'regionwatch_webhook_held', 'https://hooks-0.example.com')).toBe(4);
    read = () => new Promise(() => {}); // never answers: the scrape is bounded (SCRAPE_REDIS_TIMEOUT_MS)
    const stuck = await metrics.registry.metrics();
    expect(value(stuck, 'regionwatch_webhook_held', 'https://hooks-0.example.com')).toBe(4);
    expect(value(stuck, 'regionwatch_webhook_breaker_state', 'https://hooks-0.example.com')).toBe(2);
  });

  it('keep the last values when the read fails, rather than failing the scrape', async () => {
    const metrics = new WorkerMetrics({ defaultMetrics: false });
    let read: () => Promise<EndpointHealth[]> = async () => [health(0, { held: 3 })];
    metrics.watchEndpoints(() => read());
    await metrics.registry.metrics();
    read = () => Promise.reject(new Error('Connection is closed.'));
    expect(value(await metrics.registry.metrics(), 'regionwatch_webhook_held', 'https://hooks-0.example.com')).toBe(3);
  });

  it('labels attempts by redacted origin, and past the named ones as "other"', () => {
    expect(endpointLabel('https://hooks.example.com', 0)).toBe('https://hooks.example.com');
    expect(endpointLabel('https://hooks.example.com', NAMED_ENDPOINTS - 1)).toBe('https://hooks.example.com');
    expect(endpointLabel('https://hooks.example.com', NAMED_ENDPOINTS)).toBe('other');
  });
});
