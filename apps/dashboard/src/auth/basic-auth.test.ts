import { describe, expect, it } from 'vitest';
import { parseBasicAuthorization } from './basic-auth.js';

const header = (text: string) => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`;

describe('parseBasicAuthorization', () => {
  it('splits at the first colon: the password may hold more', () => {
    expect(parseBasicAuthorization(header('ops:pa:ss:word'))).toEqual({ user: 'ops', password: 'pa:ss:word' });
    expect(parseBasicAuthorization(header('ops:'))).toEqual({ user: 'ops', password: '' });
    expect(parseBasicAuthorization(header('öps:pässwörd'))).toEqual({ user: 'öps', password: 'pässwörd' });
  });

  it('accepts the scheme in any case', () => {
    expect(parseBasicAuthorization(`bAsIc ${Buffer.from('a:b').toString('base64')}`)).toEqual({ user: 'a', password: 'b' });
  });

  it('refuses anything that is not Basic credentials', () => {
    expect(parseBasicAuthorization(undefined)).toBeUndefined();
    expect(parseBasicAuthorization('')).toBeUndefined();
    expect(parseBasicAuthorization(header('no-colon'))).toBeUndefined();
    expect(parseBasicAuthorization(`Bearer ${Buffer.from('a:b').toString('base64')}`)).toBeUndefined();
    expect(parseBasicAuthorization('Basic not*base64')).toBeUndefined();
    expect(parseBasicAuthorization('Basic')).toBeUndefined();
  });
});
