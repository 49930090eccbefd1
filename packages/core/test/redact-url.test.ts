import { describe, expect, it } from 'vitest';
import { redactUrl, redactUserInfo } from '../src/index.js';

describe('redactUrl', () => {
  it('keeps scheme, host, port and path; drops user info, query and fragment', () => {
    expect(redactUrl('https://user:secret@hooks.example.com:8443/in/regions?token=abc#frag')).toBe(
      'https://hooks.example.com:8443/in/regions',
    );
    expect(redactUrl('http://127.0.0.1:9000/ok')).toBe('http://127.0.0.1:9000/ok');
  });

  it('says so for something that is not a URL', () => {
    expect(redactUrl('not a url')).toBe('(not a valid URL)');
  });
});

describe('redactUserInfo', () => {
  it('masks user and password and keeps the rest', () => {
    expect(redactUserInfo('redis://user:pw@redis:6379/0')).toBe('redis://[redacted]@redis:6379/0');
    expect(redactUserInfo('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});
