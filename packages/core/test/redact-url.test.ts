import { describe, expect, it } from 'vitest';
import { MAX_REDACTED_URL_LENGTH, REDACTED, redactUrl, redactUrlsDeep, redactUrlsIn } from '../src/index.js';

describe('redactUrl', () => {
  it('keeps scheme, host, port, path and query keys; masks user info, query values and the fragment', () => {
    expect(redactUrl('https://user:secret@hooks.example.com:8443/in/regions?token=abc&mode=full#frag')).toBe(
      'https://[redacted]@hooks.example.com:8443/in/regions?token=[redacted]&mode=[redacted]#[redacted]',
    );
    expect(redactUrl('http://127.0.0.1:9000/ok')).toBe('http://127.0.0.1:9000/ok');
  });

  it('leaves an origin as written (no slash added) and keeps a slash that was there', () => {
    expect(redactUrl('http://attacker.example')).toBe('http://attacker.example');
    expect(redactUrl('https://h.example/')).toBe('https://h.example/');
    expect(redactUrl('https://u:p@h.example?x=1')).toBe('https://[redacted]@h.example?x=[redacted]');
  });

  it('takes the user info up to the LAST @ (a raw @ in a password)', () => {
    const redacted = redactUrl('redis://:p@ss@redis:6379/0');
    expect(redacted).toBe('redis://[redacted]@redis:6379/0');
    expect(redacted).not.toContain('ss@');
    expect(redactUrl('https://u:p@evil.example@good.example/x')).toBe('https://[redacted]@good.example/x');
  });

  it('masks a user name alone, and percent-encoded passwords', () => {
    expect(redactUrl('rediss://default:s3cr%40t@cache.internal:6380')).toBe('rediss://[redacted]@cache.internal:6380');
    expect(redactUrl('https://api-key@api.example.com/v5.0')).toBe('https://[redacted]@api.example.com/v5.0');
  });

  it('masks a query part that has no key=value shape whole (a bare token), and odd keys', () => {
    expect(redactUrl('https://h.example/p?sk_live_abcdef')).toBe('https://h.example/p?[redacted]');
    expect(redactUrl('https://h.example/p?a=1&&b=')).toBe('https://h.example/p?a=[redacted]&&b=');
    expect(redactUrl(`https://h.example/p?${'k'.repeat(80)}=1`)).toBe('https://h.example/p?[redacted]');
    expect(redactUrl('https://h.example/p?<script>=1')).toBe('https://h.example/p?[redacted]');
  });

  it('keeps Redis query options by name only', () => {
    expect(redactUrl('redis://h:6379?password=hunter2&family=6')).toBe('redis://h:6379?password=[redacted]&family=[redacted]');
  });

  it('bounds the length', () => {
    const long = redactUrl(`https://h.example/${'a'.repeat(5_000)}`);
    expect(long.length).toBeLessThanOrEqual(MAX_REDACTED_URL_LENGTH);
    expect(long.endsWith('…')).toBe(true);
  });

  it('says so for something that is not a URL, without echoing it', () => {
    expect(redactUrl('not a url with secret')).toBe('(not a valid URL)');
    expect(redactUrl('redis://:pa#ss@host:6379')).toBe('(not a valid URL)');
  });

  it('uses one marker, so writes of shown data can be recognised', () => {
    expect(REDACTED).toBe('[redacted]');
  });
});

describe('redactUrl keeps the path the parser sees', () => {
  it('a backslash path (special schemes read it as a slash) is kept, not taken for a bare origin', () => {
    expect(redactUrl('https://h.example\\in?token=x')).toBe('https://h.example/in?token=[redacted]');
  });

  it('an origin followed by a query that holds a URL stays an origin (no slash added)', () => {
    expect(redactUrl('https://h.example?next=http://x/')).toBe('https://h.example?next=[redacted]');
  });
});

describe('redactUrlsIn', () => {
  it('redacts every URL inside a text and leaves the words around them', () => {
    const text = 'POST https://u:pw@hooks.example/in?token=t0k3n failed; retry http://b.example/x?sig=s1g then stop';
    const redacted = redactUrlsIn(text);
    expect(redacted).toBe(
      'POST https://[redacted]@hooks.example/in?token=[redacted] failed; retry http://b.example/x?sig=[redacted] then stop',
    );
    for (const secret of ['pw@', 't0k3n', 's1g']) expect(redacted).not.toContain(secret);
  });

  it('keeps punctuation that ends a clause outside the URL', () => {
    expect(redactUrlsIn('POST https://h.example/in?token=t0k3n: connect ECONNREFUSED (see http://d.example/x?a=b).')).toBe(
      'POST https://h.example/in?token=[redacted]: connect ECONNREFUSED (see http://d.example/x?a=[redacted]).',
    );
  });

  it('is idempotent: redacting a redacted text changes nothing', () => {
    const once = redactUrlsIn('https://u:p@h.example/p?token=abc#frag and redis://:p@ss@r:6379/0');
    expect(redactUrlsIn(once)).toBe(once);
  });

  it('leaves text without URLs alone, and scheme names in prose', () => {
    expect(redactUrlsIn('webhook receiver answered HTTP 500')).toBe('webhook receiver answered HTTP 500');
    expect(redactUrlsIn('must be a redis:// or rediss:// URL')).toBe('must be a redis:// or rediss:// URL');
  });

  it('keeps a scheme named in prose even when it does not parse (nothing after it could be a secret)', () => {
    expect(redactUrlsIn('expected an http:// or https:// URL, got ftp://')).toBe('expected an http:// or https:// URL, got ftp://');
  });

  it('gives every URL in a text the redacted form, even one without secrets: normalised and bounded', () => {
    expect(redactUrlsIn('HTTPS://H.Example/In fine')).toBe('https://h.example/In fine');
    const long = `https://h.example/${'a'.repeat(400)}`;
    expect(redactUrlsIn(`see ${long} now`)).toBe(`see ${long.slice(0, MAX_REDACTED_URL_LENGTH - 1)}… now`);
  });

  it('drops an unparseable URL that could hold a secret', () => {
    expect(redactUrlsIn('connecting to redis://:pa#ss@host:6379 failed')).toBe('connecting to (not a valid URL) failed');
  });

  it('works on JSON text: stops at quotes and backslashes, and keeps the JSON valid', () => {
    const line = JSON.stringify({
      msg: 'POST "https://h.example/x?sig=abc"\nnext https://h.example/y?sig=def\\z',
      url: 'https://u:p@h.example/',
    });
    const redacted = redactUrlsIn(line);
    expect(JSON.parse(redacted)).toEqual({
      msg: 'POST "https://h.example/x?sig=[redacted]"\nnext https://h.example/y?sig=[redacted]\\z',
      url: 'https://[redacted]@h.example/',
    });
  });
});

describe('redactUrlsDeep', () => {
  it('redacts URLs in every string of a JSON value, keys and structure untouched, input not mutated', () => {
    const data = {
      taskId: 't-1',
      webhookUrl: 'https://hooks.example/in?token=abc',
      metadata: { callback: 'see https://x.example/cb?key=k3y', n: '1' },
      list: ['http://u:p@h.example/', 3, null, true],
    };
    const copy = structuredClone(data);
    expect(redactUrlsDeep(data)).toEqual({
      taskId: 't-1',
      webhookUrl: 'https://hooks.example/in?token=[redacted]',
      metadata: { callback: 'see https://x.example/cb?key=[redacted]', n: '1' },
      list: ['http://[redacted]@h.example/', 3, null, true],
    });
    expect(data).toEqual(copy);
  });

  it('redacts an object reached twice both times, and a cycle, without returning the original anywhere', () => {
    const shared = { url: 'https://hooks.example/in?token=abc' };
    const redactedShared = { url: 'https://hooks.example/in?token=[redacted]' };
    const copy = redactUrlsDeep({ first: shared, second: shared, list: [shared] });
    expect(copy).toEqual({ first: redactedShared, second: redactedShared, list: [redactedShared] });
    expect(copy.second).toBe(copy.first); // one copy, shared as the original was
    expect(JSON.stringify(copy)).not.toContain('abc');

    type Node = { url: string; self?: Node; children: Node[] };
    const node: Node = { url: 'redis://:pw@r:6379/0', children: [] };
    node.self = node;
    node.children.push(node);
    const cyclic = redactUrlsDeep(node);
    expect(cyclic).not.toBe(node);
    expect(cyclic.url).toBe('redis://[redacted]@r:6379/0');
    expect(cyclic.self).toBe(cyclic);
    expect(cyclic.children[0]).toBe(cyclic);
    const list: unknown[] = ['https://u:p@h.example/'];
    list.push(list);
    const cyclicList = redactUrlsDeep(list);
    expect(cyclicList[0]).toBe('https://[redacted]@h.example/');
    expect(cyclicList[1]).toBe(cyclicList);
  });

  it('returns ordinary objects: every key enumerable, writable and configurable, like the input’s', () => {
    const copy = redactUrlsDeep({ url: 'https://h.example/?k=v', nested: { n: 1 } });
    for (const [target, key] of [
      [copy, 'url'],
      [copy, 'nested'],
      [copy.nested, 'n'],
    ] as const) {
      expect(Object.getOwnPropertyDescriptor(target, key)).toMatchObject({ enumerable: true, writable: true, configurable: true });
    }
    copy.url = 'changed';
    expect(delete (copy as { nested?: unknown }).nested).toBe(true);
    expect(copy).toEqual({ url: 'changed' });
  });

  it('walks objects without a prototype; returns class instances (Error, Date, Buffer) as they are', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { url: 'https://h.example/?k=v' });
    expect(redactUrlsDeep(bare)).toEqual({ url: 'https://h.example/?k=[redacted]' });
    const error = new Error('at https://h.example/?k=v');
    const date = new Date(0);
    const buffer = Buffer.from('https://h.example/?k=v');
    const copy = redactUrlsDeep({ error, date, buffer });
    expect(copy.error).toBe(error);
    expect(copy.date).toBe(date);
    expect(copy.buffer).toBe(buffer);
  });

  it('keeps a `__proto__` key of parsed JSON a key (it does not become the copy’s prototype)', () => {
    const parsed = JSON.parse('{"__proto__": {"url": "https://h.example/?token=abc"}}') as Record<string, unknown>;
    const copy = redactUrlsDeep(parsed);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__']);
    expect(JSON.stringify(copy)).toBe('{"__proto__":{"url":"https://h.example/?token=[redacted]"}}');
  });

  it('leaves strings without "://" and non-strings untouched', () => {
    expect(redactUrlsDeep(['token=abc', 'a@b', 7, false, null, undefined])).toEqual(['token=abc', 'a@b', 7, false, null, undefined]);
    expect(redactUrlsDeep('see https://h.example/?k=v')).toBe('see https://h.example/?k=[redacted]');
  });
});

describe('redactUrl length bound', () => {
  it('keeps a URL of exactly the limit whole and cuts one character more to the limit, ending in …', () => {
    const base = 'https://h.example/';
    const exact = `${base}${'a'.repeat(MAX_REDACTED_URL_LENGTH - base.length)}`;
    expect(exact).toHaveLength(MAX_REDACTED_URL_LENGTH);
    expect(redactUrl(exact)).toBe(exact);
    const over = `${exact}b`;
    expect(redactUrl(over)).toBe(`${exact.slice(0, MAX_REDACTED_URL_LENGTH - 1)}…`);
    expect(MAX_REDACTED_URL_LENGTH).toBe(300);
  });
});
