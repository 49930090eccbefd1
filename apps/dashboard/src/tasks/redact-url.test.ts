import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact-url.js';

describe('redactUrl', () => {
  it('keeps scheme, host, port and path; drops user info, query and fragment', () => {
    expect(redactUrl('https://user:secret@hooks.example.com:8443/in/regions?token=abc#frag')).toBe('https://hooks.example.com:8443/in/regions');
    expect(redactUrl('http://127.0.0.1:9000/ok')).toBe('http://127.0.0.1:9000/ok');
  });

  it('says so for something that is not a URL', () => {
    expect(redactUrl('not a url')).toBe('(not a valid URL)');
  });
});
