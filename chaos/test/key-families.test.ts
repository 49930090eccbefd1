import { describe, expect, it } from 'vitest';
import { describeFamilies, firstKeyOf, keyFamilyOf, type KeyFamily } from '../src/key-families.js';

// The families the cluster scenarios report, from MONITOR lines as Redis prints them (client commands and
// the commands scripts run), for the chaos prefix `{chaos}` and shard prefixes `{chaos:p<i>…}`.
describe('key families of MONITOR lines', () => {
  it('names each line by the first key it touches', () => {
    const lines: [string[], KeyFamily][] = [
      [['evalsha', 'abc', '3', '{chaos}:regions-results:wait', '{chaos}:regions-results:meta', 'x'], 'results queue'],
      [['hget', '{chaos}:regions-webhooks:endpoint:http://127.0.0.1:4000', 'state'], 'webhook endpoints (breaker, line, rate)'],
      [['zrangebyscore', '{chaos}:regions-webhooks:endpoints:timers', '-inf', '1'], 'webhook endpoints (breaker, line, rate)'],
      [['zadd', '{chaos}:regions-webhooks:delayed', '1', 'task-1'], 'webhook queue'],
      [['bzpopmin', '{chaos:p2.1}:regions-webhooks:marker', '5'], 'webhook queue'],
      [
        ['zadd', '{chaos:p1}:regions-webhooks:endpoint:http://127.0.0.1:4000:pending', 'NX', '1', 'task-1'],
        'webhook endpoints (breaker, line, rate)',
      ],
      [['zrangebyscore', '{chaos:p2.1}:regions-webhooks:endpoints:timers', '-inf', '1'], 'webhook endpoints (breaker, line, rate)'],
      [['hmget', '{chaos:p0}:regions-poll:task-1', 'data'], 'poll shards'],
      [['zadd', '{chaos}:regions-poll:aspose-rate', '1', 'x'], 'Aspose rate window'],
      [['pttl', '{chaos}:regions-poll:aspose-pause'], 'shared pause'],
      [['evalsha', 'abc', '1', '{chaos}:regions-poll:learn:kinds'], 'learner'],
      [['publish', '{chaos}:regions-poll:decided', 'task-1'], 'decided channel'],
      [['llen', '{chaos}:regions-poll:wait'], 'poll queue (tag)'],
      [['get', '{chaos}:something-else'], 'other tag key'],
      [['get', 'another-app:key'], 'other key'],
      [['ping'], 'no key'],
      [['evalsha', 'abc', '0', 'arg'], 'no key'],
      [['info', 'stats'], 'no key'],
    ];
    for (const [args, family] of lines)
      expect([args.join(' '), keyFamilyOf(firstKeyOf(args), '{chaos}')]).toEqual([args.join(' '), family]);
  });

  it('describes counts per task, largest first, leaving out the tiny ones', () => {
    const counts = new Map<KeyFamily, number>([
      ['results queue', 120],
      ['webhook queue', 300],
      ['learner', 2],
    ]);
    expect(describeFamilies({ counts, total: 422 }, 10)).toBe('webhook queue 30.0, results queue 12.0, learner 0.2');
    expect(describeFamilies({ counts, total: 422 }, 100)).toBe('webhook queue 3.0, results queue 1.2');
  });
});
