import { describe, expect, it } from 'vitest';
import { listenHost } from './listen-host.js';

describe('listenHost', () => {
  it('keeps an unauthenticated dashboard on loopback', () => {
    expect(listenHost({ DASHBOARD_USER: undefined, DASHBOARD_PASSWORD: undefined })).toBe('127.0.0.1');
  });

  it('listens everywhere once both credentials are set', () => {
    expect(listenHost({ DASHBOARD_USER: 'ops', DASHBOARD_PASSWORD: 'pw' })).toBeUndefined();
  });
});
