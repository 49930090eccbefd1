import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, RedisOutageLog, redisErrorKind } from '../src/index.js';

type Line = { level: string; msg: string } & Record<string, unknown>;

function capture() {
  const lines: Line[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Line);
      callback();
    },
  });
  return { lines, logger: createLogger({ destination }) };
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
const oom = () => new Error("OOM command not allowed when used memory > 'maxmemory'.");

afterEach(() => {
  vi.useRealTimers();
});

describe('redisErrorKind', () => {
  it.each([
    [refused(), 'connection'],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'connection'],
    [new Error('Connection is closed.'), 'connection'],
    [new Error("Stream isn't writeable and enableOfflineQueue options is false"), 'connection'],
    [
      Object.assign(new Error('Reached the max retries per request limit (which is 3).'), { name: 'MaxRetriesPerRequestError' }),
      'connection',
    ],
    [oom(), 'full'],
    [new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), 'other'],
    [new Error('could not renew lock for job 1'), 'other'],
    ['not an error', 'other'],
  ])('%s is %s', (error, kind) => {
    expect(redisErrorKind(error)).toBe(kind);
  });
});

describe('RedisOutageLog', () => {
  it('writes one line when an outage starts and one when it ends, however many errors come in between', () => {
    const { lines, logger } = capture();
    const log = new RedisOutageLog({ logger });
    for (let i = 0; i < 50; i += 1) expect(log.report(refused(), 'regions-poll')).toBe(true);
    // While Redis is away, every error is the outage's (lock renewals fail with their own words).
    expect(log.report(new Error('could not renew lock for job 7'))).toBe(true);
    expect(log.down).toBe(true);
    log.reachable();
    log.reachable(); // a second connection getting ready adds nothing
    log.stop();
    expect(lines.map((l) => `${l.level} ${l.msg}`)).toEqual([
      'warn Redis connection lost; reconnecting by itself',
      'info Redis connection back',
    ]);
    expect(lines[0]).toMatchObject({ source: 'regions-poll', err: { code: 'ECONNREFUSED' } });
    expect(lines[1]).toMatchObject({ suppressedErrors: 50, downForMs: expect.any(Number) });
  });

  it('reminds once per reminderMs while the outage lasts, with the errors swallowed since', () => {
    vi.useFakeTimers();
    const { lines, logger } = capture();
    const log = new RedisOutageLog({ logger, reminderMs: 60_000, now: () => Date.now() });
    log.report(refused());
    for (let i = 0; i < 10; i += 1) log.report(refused());
    vi.advanceTimersByTime(60_000);
    log.report(refused());
    vi.advanceTimersByTime(59_999);
    expect(lines.map((l) => l.msg)).toEqual(['Redis connection lost; reconnecting by itself', 'Redis still unreachable']);
    vi.advanceTimersByTime(1);
    log.reachable();
    vi.advanceTimersByTime(600_000); // no reminder after the end
    log.stop();
    expect(lines.map((l) => l.msg)).toEqual([
      'Redis connection lost; reconnecting by itself',
      'Redis still unreachable',
      'Redis still unreachable',
      'Redis connection back',
    ]);
    expect(lines[1]).toMatchObject({ forMs: 60_000, suppressedErrors: 10 });
    expect(lines[2]).toMatchObject({ forMs: 120_000, suppressedErrors: 1 });
    expect(lines[3]).toMatchObject({ downForMs: 120_000 });
  });

  it('reports a full Redis (OOM) once per spell, ends it at a tick with writes and no refusal, leaves other errors to the caller', () => {
    vi.useFakeTimers();
    const { lines, logger } = capture();
    const log = new RedisOutageLog({ logger, reminderMs: 1_000, now: () => Date.now() });
    expect(log.report(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(false);
    for (let i = 0; i < 5; i += 1) expect(log.report(oom())).toBe(true);
    expect(log.down).toBe(false);
    log.writable(); // hovering at the limit: some writes go through, others are refused
    vi.advanceTimersByTime(1_000);
    log.writable();
    vi.advanceTimersByTime(1_000);
    log.stop();
    expect(lines.map((l) => `${l.level} ${l.msg}`)).toEqual([
      'error Redis refuses writes: it is full (maxmemory reached, noeviction). Free memory or raise maxmemory; see docs/operations.md',
      'error Redis still refuses writes: it is full',
      'info Redis accepts writes again',
    ]);
    expect(lines[1]).toMatchObject({ refusedWrites: 4 });
    expect(lines[2]).toMatchObject({ fullForMs: 2_000 });
  });

  it('says nothing once stopped (a closing process drops its connections on purpose)', () => {
    const { lines, logger } = capture();
    const log = new RedisOutageLog({ logger });
    log.stop();
    expect(log.report(new Error('Connection is closed.'))).toBe(true);
    expect(lines).toEqual([]);
  });
});
