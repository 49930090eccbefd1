import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, describeConfig, loadConfig } from '../src/index.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  return { lines, logger: createLogger({ level: 'debug', destination }) };
}

describe('createLogger', () => {
  it('writes JSON lines with a level label and an ISO time', () => {
    const { lines, logger } = capture();
    logger.info({ taskId: 't-1' }, 'task finished');
    const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', taskId: 't-1', msg: 'task finished' });
    expect(String(line.time)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('redacts tokens, client secrets, webhook secrets and authorization headers', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        authorization: 'Bearer top-secret-token',
        headers: { authorization: 'Bearer top-secret-token' },
        req: { headers: { authorization: 'Basic dXNlcjpwYXNz' } },
        token: 'top-secret-token',
        access_token: 'top-secret-token',
        client_secret: 'client-secret-value',
        body: { client_secret: 'client-secret-value' },
        config: { ASPOSE_CLIENT_SECRET: 'client-secret-value', WEBHOOK_SECRET: 'whsec_secret', DASHBOARD_PASSWORD: 'dash-pass' },
      },
      'request',
    );
    const text = lines.join('\n');
    for (const secret of ['top-secret-token', 'client-secret-value', 'whsec_secret', 'dash-pass', 'dXNlcjpwYXNz'])
      expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });

  it('redacts URLs anywhere in a line: message, fields, child bindings, errors (a net under every log call)', () => {
    const { lines, logger } = capture();
    const child = logger.child({ endpoint: 'https://hooks.example/in?token=binding-leak' });
    child.warn(
      { url: 'https://u:field-leak@hooks.example/x', nested: { list: ['redis://:p@ss-leak@redis:6379'] }, n: 3 },
      'POST https://hooks.example/x?sig=msg-leak: refused',
    );
    child.error({ err: new Error('connect https://hooks.example/y?sig=err-leak failed') }, 'delivery failed');
    child.error(new Error('bare https://hooks.example/z?sig=bare-leak error'));
    const text = lines.join('\n');
    for (const leak of ['binding-leak', 'field-leak', 'ss-leak', 'msg-leak', 'err-leak', 'bare-leak']) expect(text).not.toContain(leak);
    const [first, second, third] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(first).toMatchObject({
      endpoint: 'https://hooks.example/in?token=[redacted]',
      url: 'https://[redacted]@hooks.example/x',
      nested: { list: ['redis://[redacted]@redis:6379'] },
      n: 3,
      msg: 'POST https://hooks.example/x?sig=[redacted]: refused',
    });
    // Errors keep pino's shape (type, message, stack), redacted.
    expect(second?.err).toMatchObject({ type: 'Error', message: 'connect https://hooks.example/y?sig=[redacted] failed' });
    expect(String((second?.err as { stack?: string }).stack)).toContain('sig=[redacted]');
    expect(third).toMatchObject({ msg: 'bare https://hooks.example/z?sig=[redacted] error', err: { type: 'Error' } });
  });

  it('describeConfig masks secrets and credentials in REDIS_URL', () => {
    const config = loadConfig({
      REDIS_URL: 'redis://user:pw@redis:6379',
      ASPOSE_CLIENT_ID: 'id',
      ASPOSE_CLIENT_SECRET: 'shh',
      WEBHOOK_SECRET: `whsec_${'A'.repeat(43)}=`,
    });
    const described = JSON.stringify(describeConfig(config));
    expect(described).not.toContain('shh');
    expect(described).not.toContain('AAAA');
    expect(described).not.toContain(':pw@');
    expect(described).toContain('"ASPOSE_CLIENT_ID":"id"');
    expect(describeConfig(loadConfig({}))).not.toHaveProperty('DASHBOARD_PASSWORD');
  });

  it('describeConfig redacts every URL-valued setting by parsing it (issue 11: the start-up line leaked these)', () => {
    const config = loadConfig({
      REDIS_URL: 'redis://:p@ssw0rd-tail@redis:6379/0',
      ASPOSE_BASE_URL: 'https://client:base-userinfo@api.aspose.cloud',
      ASPOSE_TOKEN_URL: 'https://client:token-userinfo@auth.example/connect/token?x=token-query',
      WEBHOOK_URL: 'https://hooks.example/in?token=webhook-query-token',
      WEBHOOK_SECRET: `whsec_${'B'.repeat(43)}=`,
      DASHBOARD_USER: 'ops',
      DASHBOARD_PASSWORD: 'a-long-enough-password',
    });
    const described = describeConfig(config);
    const text = JSON.stringify(described);
    for (const leak of ['ssw0rd-tail', 'base-userinfo', 'token-userinfo', 'token-query', 'webhook-query-token', 'BBBB', 'a-long-enough'])
      expect(text).not.toContain(leak);
    expect(described).toMatchObject({
      REDIS_URL: 'redis://[redacted]@redis:6379/0',
      ASPOSE_BASE_URL: 'https://[redacted]@api.aspose.cloud',
      ASPOSE_TOKEN_URL: 'https://[redacted]@auth.example/connect/token?x=[redacted]',
      WEBHOOK_URL: 'https://hooks.example/in?token=[redacted]',
      DASHBOARD_USER: 'ops',
      DASHBOARD_PASSWORD: '[redacted]',
    });
  });

  it('describeConfig masks any setting named like a secret, even one added later', () => {
    const described = describeConfig({ ...loadConfig({}), SOME_FUTURE_PASSWORD: 'pw-1', OTHER_TOKEN: 'tok-2' });
    expect(described).toMatchObject({ SOME_FUTURE_PASSWORD: '[redacted]', OTHER_TOKEN: '[redacted]' });
  });
});
