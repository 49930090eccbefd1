import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import {
  assertPrefixFitsConnection,
  ConfigError,
  createRedisConnection,
  describeConfig,
  describeRedisTarget,
  hashTagOf,
  isRedisClient,
  loadConfig,
  loadDashboardConfig,
  loadDemoConfig,
  loadProducerConfig,
  loadReplayConfig,
  loadTrackConfig,
  loadWorkerConfig,
  parseHostPort,
  redisTargetFrom,
  type RedisTarget,
} from '../src/index.js';

const CREDENTIALS = { ASPOSE_CLIENT_ID: 'id', ASPOSE_CLIENT_SECRET: 'secret' };
const SENTINEL = { REDIS_SENTINELS: '10.0.0.1:26379, 10.0.0.2:26379,[::1]:26380', REDIS_SENTINEL_NAME: 'regionwatch' };
const CLUSTER = { REDIS_CLUSTER_NODES: 'redis-0:6379,redis-1:6379', REGIONWATCH_PREFIX: '{regionwatch}' };

/** Every loader of a process that talks to Redis, each given the same environment. */
const LOADERS = {
  worker: (env: NodeJS.ProcessEnv) => loadWorkerConfig({ ...CREDENTIALS, ...env }),
  dashboard: loadDashboardConfig,
  producer: loadProducerConfig,
  track: loadTrackConfig,
  replay: loadReplayConfig,
  demo: (env: NodeJS.ProcessEnv) => loadDemoConfig({ ...CREDENTIALS, ...env }),
  contract: loadConfig,
};

function issuesOf(load: () => unknown): { variable: string; message: string }[] {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  throw new Error('the environment was accepted');
}

describe('hashTagOf (Redis Cluster key hash tags)', () => {
  it.each([
    ['{regionwatch}', 'regionwatch'],
    ['{regionwatch}:regions-poll:id', 'regionwatch'],
    ['prod{rw}', 'rw'],
    ['a{b}{c}', 'b'],
    ['regionwatch', undefined],
    ['{}regionwatch{x}', undefined], // an empty first tag: Redis hashes the whole key
    ['{regionwatch', undefined],
    ['}x{', undefined],
  ])('%s → %s', (key, tag) => {
    expect(hashTagOf(key)).toBe(tag);
  });
});

describe('parseHostPort', () => {
  it('reads names, IPv4 and bracketed IPv6', () => {
    expect(parseHostPort('redis-0.redis.svc:6379')).toEqual({ host: 'redis-0.redis.svc', port: 6379 });
    expect(parseHostPort(' 10.0.0.1:26379 ')).toEqual({ host: '10.0.0.1', port: 26379 });
    expect(parseHostPort('[::1]:26380')).toEqual({ host: '::1', port: 26380 });
  });

  it.each(['redis-0', ':6379', 'redis://a:1', 'a:0', 'a:65536', '::1:6379', '[nope]:1', 'a b:1'])('refuses %j', (text) => {
    expect(parseHostPort(text)).toBeUndefined();
  });
});

describe('Redis modes from the environment', () => {
  it('is standalone on redis://127.0.0.1:6379 when nothing is set', () => {
    expect(redisTargetFrom(loadTrackConfig({}))).toEqual({ mode: 'standalone', url: 'redis://127.0.0.1:6379' });
    expect(loadTrackConfig({}).REDIS_URL).toBe('redis://127.0.0.1:6379');
  });

  it('takes REDIS_URL, with TLS for rediss:// and separate credentials when the URL has none', () => {
    expect(redisTargetFrom(loadTrackConfig({ REDIS_URL: 'rediss://cache.example.com:6380/2' }))).toEqual({
      mode: 'standalone',
      url: 'rediss://cache.example.com:6380/2',
      tls: {},
    });
    expect(redisTargetFrom(loadTrackConfig({ REDIS_URL: 'redis://r:6379', REDIS_USERNAME: 'rw', REDIS_PASSWORD: 'pw' }))).toMatchObject({
      username: 'rw',
      password: 'pw',
    });
  });

  it('reads a Sentinel set-up: sentinels, the primary name, both sets of credentials, TLS per side', () => {
    const config = loadWorkerConfig({
      ...CREDENTIALS,
      ...SENTINEL,
      REDIS_PASSWORD: 'data-pw',
      REDIS_SENTINEL_USERNAME: 'watcher',
      REDIS_SENTINEL_PASSWORD: 'sentinel-pw',
      REDIS_SENTINEL_TLS: 'true',
    });
    expect(config.REDIS_URL).toBeUndefined(); // no standalone default in another mode
    expect(redisTargetFrom(config)).toEqual({
      mode: 'sentinel',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'regionwatch',
      password: 'data-pw',
      sentinelUsername: 'watcher',
      sentinelPassword: 'sentinel-pw',
      sentinelTls: {},
    });
  });

  it('reads a Cluster with a hash-tag prefix', () => {
    expect(redisTargetFrom(loadDashboardConfig({ ...CLUSTER, REDIS_TLS: 'yes' }))).toEqual({
      mode: 'cluster',
      nodes: [
        { host: 'redis-0', port: 6379 },
        { host: 'redis-1', port: 6379 },
      ],
      tls: {},
    });
  });

  describe.each(Object.entries(LOADERS))('%s', (_process, load) => {
    it('refuses two modes at once, naming the variables', () => {
      expect(issuesOf(() => load({ ...SENTINEL, ...CLUSTER }))).toContainEqual({
        variable: 'REDIS_CLUSTER_NODES',
        message: expect.stringMatching(/^must not be set together with REDIS_SENTINELS: set one of REDIS_URL .*REDIS_CLUSTER_NODES/),
      });
      expect(issuesOf(() => load({ ...SENTINEL, REDIS_URL: 'redis://a:1' }))).toContainEqual({
        variable: 'REDIS_URL',
        message: expect.stringMatching(/^must not be set together with REDIS_SENTINELS: .*REDIS_USERNAME and REDIS_PASSWORD/),
      });
    });

    it('refuses a Cluster prefix without a hash tag, saying what to set', () => {
      expect(issuesOf(() => load({ REDIS_CLUSTER_NODES: 'a:1', REGIONWATCH_PREFIX: 'prod' }))).toEqual([
        { variable: 'REGIONWATCH_PREFIX', message: expect.stringMatching(/^must contain a hash tag .*REGIONWATCH_PREFIX=\{prod\}: /) },
      ]);
      // The default prefix has none either.
      expect(issuesOf(() => load({ REDIS_CLUSTER_NODES: 'a:1' }))[0]?.message).toMatch(/REGIONWATCH_PREFIX=\{regionwatch\}/);
    });
  });

  it('names every misfit in one error', () => {
    expect(
      issuesOf(() =>
        loadTrackConfig({
          REDIS_SENTINELS: 'a:26379',
          REDIS_USERNAME: 'rw',
          REDIS_SENTINEL_USERNAME: 'watcher',
        }),
      ),
    ).toEqual([
      { variable: 'REDIS_SENTINEL_NAME', message: 'is required with REDIS_SENTINELS: the name the sentinels monitor the primary under' },
      { variable: 'REDIS_PASSWORD', message: 'is required with REDIS_USERNAME (an ACL user logs in with a password)' },
      { variable: 'REDIS_SENTINEL_PASSWORD', message: 'is required with REDIS_SENTINEL_USERNAME (an ACL user logs in with a password)' },
    ]);
    expect(issuesOf(() => loadTrackConfig({ REDIS_SENTINEL_NAME: 'x', REDIS_SENTINEL_TLS: 'true', REDIS_TLS: 'true' }))).toEqual([
      { variable: 'REDIS_SENTINEL_NAME', message: 'is only used with REDIS_SENTINELS (Sentinel mode), which is not set' },
      { variable: 'REDIS_SENTINEL_TLS', message: 'is only used with REDIS_SENTINELS (Sentinel mode), which is not set' },
      {
        variable: 'REDIS_TLS',
        message: 'is for Sentinel and Cluster modes; for a standalone Redis over TLS use a rediss:// REDIS_URL',
      },
    ]);
    expect(issuesOf(() => loadTrackConfig({ REDIS_URL: 'redis://u:p@a:1', REDIS_PASSWORD: 'q' }))).toEqual([
      { variable: 'REDIS_PASSWORD', message: 'must not be set when REDIS_URL carries a user or password: give the credentials one way' },
    ]);
    expect(issuesOf(() => loadTrackConfig({ REDIS_TLS_CA_FILE: '/etc/ca.pem' }))[0]?.variable).toBe('REDIS_TLS_CA_FILE');
    expect(issuesOf(() => loadTrackConfig({ REDIS_SENTINELS: 'a', REDIS_SENTINEL_NAME: 'bad name' }))).toEqual([
      { variable: 'REDIS_SENTINELS', message: '"a" is not host:port (IPv6 as [address]:port)' },
      { variable: 'REDIS_SENTINEL_NAME', message: 'must be a Sentinel master name (letters, digits, ".", "_", "-")' },
    ]);
  });

  it('reads the CA file at start-up, and a path that cannot be read is a ConfigError', () => {
    const files: Record<string, string> = { '/etc/redis-ca.pem': '-----BEGIN CERTIFICATE-----\n…' };
    const read = (path: string) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    };
    const config = loadTrackConfig({ ...SENTINEL, REDIS_TLS: 'true', REDIS_SENTINEL_TLS: 'true', REDIS_TLS_CA_FILE: '/etc/redis-ca.pem' });
    expect(redisTargetFrom(config, read)).toMatchObject({
      tls: { ca: files['/etc/redis-ca.pem'] },
      sentinelTls: { ca: files['/etc/redis-ca.pem'] },
    });
    const missing = loadTrackConfig({ REDIS_URL: 'rediss://a:1', REDIS_TLS_CA_FILE: '/nope.pem' });
    expect(issuesOf(() => redisTargetFrom(missing, read))).toEqual([{ variable: 'REDIS_TLS_CA_FILE', message: 'cannot be read: ENOENT' }]);
  });

  it('describes each mode in one line without any password, and the start-up config masks both passwords', () => {
    expect(describeRedisTarget({ mode: 'standalone', url: 'redis://:s3cret@r:6379' })).toBe('redis://[redacted]@r:6379');
    const sentinel = redisTargetFrom(loadTrackConfig({ ...SENTINEL, REDIS_PASSWORD: 's3cret', REDIS_TLS: 'true' }));
    expect(describeRedisTarget(sentinel)).toBe('Sentinel primary "regionwatch" via 10.0.0.1:26379,10.0.0.2:26379,[::1]:26380 (TLS)');
    expect(describeRedisTarget(redisTargetFrom(loadTrackConfig(CLUSTER)))).toBe('Cluster via redis-0:6379,redis-1:6379');
    const described = JSON.stringify(
      describeConfig(loadTrackConfig({ ...SENTINEL, REDIS_PASSWORD: 's3cret', REDIS_SENTINEL_PASSWORD: 'other-s3cret' })),
    );
    expect(described).not.toMatch(/s3cret/);
  });
});

describe('createRedisConnection', () => {
  const closing: (Redis | Cluster)[] = [];
  const open = (target: RedisTarget, role: 'blocking' | 'fail-fast') => {
    const client = createRedisConnection(target, role, { lazyConnect: true });
    client.on('error', () => {});
    closing.push(client);
    return client;
  };

  it('builds a Sentinel client that follows failovers', () => {
    const client = open(
      redisTargetFrom(loadTrackConfig({ ...SENTINEL, REDIS_PASSWORD: 'pw', REDIS_SENTINEL_PASSWORD: 'spw' })),
      'blocking',
    );
    expect(client).toBeInstanceOf(Redis);
    expect(client.options).toMatchObject({
      sentinels: [{ host: '10.0.0.1' }, { host: '10.0.0.2' }, { host: '::1' }],
      name: 'regionwatch',
      role: 'master',
      password: 'pw',
      sentinelPassword: 'spw',
      maxRetriesPerRequest: null,
    });
    // ioredis's failoverDetector can end a client that is reconnecting when +switch-master arrives (see redis-connection.ts).
    expect((client.options as { failoverDetector?: boolean }).failoverDetector).toBeFalsy();
    const reconnectOnError = (client.options as { reconnectOnError: (e: Error) => unknown }).reconnectOnError;
    expect(reconnectOnError(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect(reconnectOnError(new Error('ERR other'))).toBe(false);
  });

  it('builds a Cluster client with the options BullMQ needs per role', () => {
    const target = redisTargetFrom(loadTrackConfig({ ...CLUSTER, REDIS_PASSWORD: 'pw', REDIS_TLS: 'true' }));
    const blocking = open(target, 'blocking') as Cluster;
    const failFast = open(target, 'fail-fast') as Cluster;
    expect(blocking).toBeInstanceOf(Cluster);
    expect(blocking.options.redisOptions).toMatchObject({ maxRetriesPerRequest: null, password: 'pw', tls: {} });
    expect(blocking.options.enableOfflineQueue).toBe(true);
    expect(failFast.options.enableOfflineQueue).toBe(false);
    expect(failFast.options.redisOptions?.maxRetriesPerRequest).toBe(3);
    // With TLS the node names are kept, so certificates are checked against them.
    const lookup = blocking.options.dnsLookup;
    let resolved: string | undefined;
    lookup?.('redis-0', (_error: unknown, address: string) => {
      resolved = address;
    });
    expect(resolved).toBe('redis-0');
    for (const client of closing.splice(0)) client.disconnect();
  });

  it('tells clients from targets and refuses a Cluster client with an untagged prefix', () => {
    const cluster = open(redisTargetFrom(loadTrackConfig(CLUSTER)), 'fail-fast');
    const standalone = open({ mode: 'standalone', url: 'redis://127.0.0.1:1' }, 'fail-fast');
    expect(isRedisClient(cluster) && isRedisClient(standalone)).toBe(true);
    expect(isRedisClient('redis://a:1') || isRedisClient({ mode: 'standalone', url: 'redis://a:1' })).toBe(false);
    expect(() => assertPrefixFitsConnection(cluster, 'regionwatch')).toThrow(
      /must contain a hash tag on a Redis Cluster, e\.g\. \{regionwatch\}/,
    );
    expect(() => assertPrefixFitsConnection(cluster, '{regionwatch}')).not.toThrow();
    expect(() => assertPrefixFitsConnection(standalone, 'regionwatch')).not.toThrow();
    for (const client of closing.splice(0)) client.disconnect();
  });
});
