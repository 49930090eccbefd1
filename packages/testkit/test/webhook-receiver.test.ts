import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { waitFor, WebhookReceiver } from '../src/index.js';

const SECRET = `whsec_${Buffer.from('a-test-secret-of-32-bytes-long!!').toString('base64')}`;

function post(receiver: WebhookReceiver, id: string, signal?: AbortSignal): Promise<number> {
  const body = JSON.stringify({ type: 'test', data: { id } });
  const at = new Date();
  const signature = new Webhook(SECRET).sign(id, at, body);
  const headers = { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
  return fetch(receiver.url, { method: 'POST', body, headers, ...(signal ? { signal } : {}) }).then((r) => r.status);
}

describe('WebhookReceiver', () => {
  it('tells a repeat of a delivery it took only after the sender gave up from any other repeat', async () => {
    const receiver = await new WebhookReceiver(SECRET).start();
    try {
      expect(await post(receiver, 'on-time')).toBe(200);
      expect(receiver.accepted.get('on-time')?.senderGone).toBeUndefined();

      receiver.slow(400);
      const controller = new AbortController();
      const gaveUp = post(receiver, 'late', controller.signal).catch((error: Error) => error.name);
      await waitFor('the request to arrive', () => (receiver.attempts.some((d) => d.id === 'late') ? true : undefined), 10_000);
      controller.abort(); // the sender's timeout, before the receiver answers
      expect(await gaveUp).toBe('AbortError');
      await waitFor('the late acceptance', () => receiver.accepted.get('late'), 10_000);
      expect(receiver.accepted.get('late')?.senderGone).toBe(true);
      receiver.slow(0);

      expect(await post(receiver, 'late')).toBe(200); // the sender's retry
      expect(await post(receiver, 'on-time')).toBe(200); // a repeat nothing explains
      expect(receiver.duplicatesSuppressed).toBe(2);
      expect(receiver.duplicatesAfterLateAccept).toBe(1);
    } finally {
      await receiver.close();
    }
  });
});
