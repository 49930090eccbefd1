import { Webhook } from 'standardwebhooks';

/**
 * Signs with every secret of WEBHOOK_SECRET: `webhook-signature` lists one `v1,<signature>` per secret,
 * separated by spaces (as Standard Webhooks allows), so a receiver holding any one of them verifies.
 * That is what lets receivers rotate: README, "Rotating the webhook secret".
 */
export class WebhookSigner {
  private readonly signers: readonly Webhook[];

  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new Error('WebhookSigner needs at least one secret');
    this.signers = secrets.map((secret) => new Webhook(secret));
  }

  /** The `webhook-signature` header for this id, time and body. */
  sign(id: string, at: Date, body: string): string {
    return this.signers.map((signer) => signer.sign(id, at, body)).join(' ');
  }
}
