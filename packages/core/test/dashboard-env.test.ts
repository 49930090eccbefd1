import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, MIN_DASHBOARD_PASSWORD_LENGTH, parseHost } from '../src/index.js';

const PASSWORD = 'twelve-chars';

function issuesOf(env: NodeJS.ProcessEnv): { variable: string; message: string }[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  throw new Error('loadConfig accepted the environment');
}

describe('dashboard credentials', () => {
  it('accept a non-blank user and a password of at least 12 characters', () => {
    expect(PASSWORD).toHaveLength(MIN_DASHBOARD_PASSWORD_LENGTH);
    expect(loadConfig({ DASHBOARD_USER: 'ops', DASHBOARD_PASSWORD: PASSWORD })).toMatchObject({
      DASHBOARD_USER: 'ops',
      DASHBOARD_PASSWORD: PASSWORD,
    });
  });

  it('refuse a whitespace-only user or password (they used to open the dashboard to every interface)', () => {
    expect(issuesOf({ DASHBOARD_USER: '   ', DASHBOARD_PASSWORD: PASSWORD })).toEqual([
      { variable: 'DASHBOARD_USER', message: 'must not be blank' },
    ]);
    expect(issuesOf({ DASHBOARD_USER: 'ops', DASHBOARD_PASSWORD: ' \t'.repeat(8) })).toEqual([
      { variable: 'DASHBOARD_PASSWORD', message: 'must not be blank' },
    ]);
  });

  it('refuse a password shorter than 12 characters, saying how long it must be', () => {
    const issues = issuesOf({ DASHBOARD_USER: 'ops', DASHBOARD_PASSWORD: 'eleven-char' });
    expect(issues).toEqual([{ variable: 'DASHBOARD_PASSWORD', message: 'must be at least 12 characters long' }]);
    // Counted in characters, not bytes: 12 non-ASCII characters are enough.
    expect(loadConfig({ DASHBOARD_USER: 'ops', DASHBOARD_PASSWORD: 'ü'.repeat(12) }).DASHBOARD_PASSWORD).toBe('ü'.repeat(12));
    expect(issuesOf({ DASHBOARD_USER: 'ops', DASHBOARD_PASSWORD: '🔑'.repeat(11) })[0]?.variable).toBe('DASHBOARD_PASSWORD');
  });

  it('refuse a user with a colon (HTTP Basic cannot carry one)', () => {
    expect(issuesOf({ DASHBOARD_USER: 'ops:admin', DASHBOARD_PASSWORD: PASSWORD })[0]).toEqual({
      variable: 'DASHBOARD_USER',
      message: 'must not contain ":" (HTTP Basic authentication cannot carry one in the user name)',
    });
  });

  it('still want both or neither', () => {
    expect(issuesOf({ DASHBOARD_PASSWORD: PASSWORD })).toEqual([
      { variable: 'DASHBOARD_USER', message: 'is required when the other dashboard credential is set' },
    ]);
  });
});

describe('DASHBOARD_ALLOWED_HOSTS', () => {
  it('defaults to none', () => {
    expect(loadConfig({}).DASHBOARD_ALLOWED_HOSTS).toEqual([]);
  });

  it('parses a comma-separated list of host names, optionally with a port, normalised', () => {
    expect(
      loadConfig({ DASHBOARD_ALLOWED_HOSTS: ' Dash.Example.COM , dash.example.com:8443,,[::1]:3000, 10.0.0.5, rw.local.' })
        .DASHBOARD_ALLOWED_HOSTS,
    ).toEqual(['dash.example.com', 'dash.example.com:8443', '[::1]:3000', '10.0.0.5', 'rw.local']);
  });

  it.each(['http://dash.example.com', '*.example.com', 'dash.example.com/queues', 'dash example', 'dash.example.com:99999', 'a@b'])(
    'refuses %j',
    (entry) => {
      const issues = issuesOf({ DASHBOARD_ALLOWED_HOSTS: entry });
      expect(issues).toHaveLength(1);
      expect(issues[0]?.variable).toBe('DASHBOARD_ALLOWED_HOSTS');
      expect(issues[0]?.message).toMatch(/host name/);
    },
  );
});

describe('DASHBOARD_TRUST_PROXY', () => {
  it('is off by default', () => {
    expect(loadConfig({}).DASHBOARD_TRUST_PROXY).toBeUndefined();
  });

  it('takes a hop count or a list of proxy addresses and ranges', () => {
    expect(loadConfig({ DASHBOARD_TRUST_PROXY: '1' }).DASHBOARD_TRUST_PROXY).toBe(1);
    expect(loadConfig({ DASHBOARD_TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::/8 , 192.168.1.7' }).DASHBOARD_TRUST_PROXY).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::/8',
      '192.168.1.7',
    ]);
  });

  it.each(['true', '*', '10.0.0.0/33', 'proxy.internal', '0'])(
    'refuses %j (trusting every hop would let clients pick their own address)',
    (value) => {
      expect(issuesOf({ DASHBOARD_TRUST_PROXY: value })[0]?.variable).toBe('DASHBOARD_TRUST_PROXY');
    },
  );
});

describe('parseHost', () => {
  it('splits a Host header into a lower-case name and a port', () => {
    expect(parseHost('LocalHost:3000')).toEqual({ hostname: 'localhost', port: 3000 });
    expect(parseHost('[::1]:8080')).toEqual({ hostname: '[::1]', port: 8080 });
    expect(parseHost('127.0.0.1')).toEqual({ hostname: '127.0.0.1', port: undefined });
    expect(parseHost('example.com.')).toEqual({ hostname: 'example.com', port: undefined });
  });

  it.each(['', 'a b', 'x:y', 'user@host', '[::1', 'host:123456', 'host/'])('rejects %j', (text) => {
    expect(parseHost(text)).toBeUndefined();
  });
});
