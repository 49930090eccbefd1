import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { WebhookSigner } from '../src/index.js';

// Rotation: the worker signs with every secret of WEBHOOK_SECRET, so a receiver holding only the old
// one and a receiver holding only the new one both verify the same request (the standardwebhooks
// library is the oracle, as receivers use it).

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;
const id = 'task-rotation-1';
const body = JSON.stringify({ type: 'regions.completed', data: { taskId: id } });

function headers(signature: string, at: Date) {
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
}

describe('WebhookSigner', () => {
  it('signs with each secret: the old secret alone and the new secret alone both verify', () => {
    const [oldSecret, newSecret, unrelated] = [secret(), secret(), secret()];
    const at = new Date();
    const signature = new WebhookSigner([newSecret, oldSecret]).sign(id, at, body);
    expect(signature.split(' ')).toHaveLength(2);
    expect(signature.split(' ').every((part) => part.startsWith('v1,'))).toBe(true);
    expect(new Webhook(oldSecret).verify(body, headers(signature, at))).toEqual(JSON.parse(body));
    expect(new Webhook(newSecret).verify(body, headers(signature, at))).toEqual(JSON.parse(body));
    expect(() => new Webhook(unrelated).verify(body, headers(signature, at))).toThrow();
  });

  it('with one secret, sends one signature, which a tampered body fails', () => {
    const only = secret();
    const at = new Date();
    const signature = new WebhookSigner([only]).sign(id, at, body);
    expect(signature.split(' ')).toHaveLength(1);
    expect(() => new Webhook(only).verify(`${body} `, headers(signature, at))).toThrow();
  });

  it('refuses to be built without a secret', () => {
    expect(() => new WebhookSigner([])).toThrow(/at least one secret/);
  });
});
