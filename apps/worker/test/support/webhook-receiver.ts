import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export type Delivery = { id: string; body: unknown; headers: IncomingHttpHeaders; verified: boolean };
type Answer = { status: number; headers?: Record<string, string>; delayMs?: number };

/**
 * A webhook receiver that verifies every request with the `standardwebhooks` library, as a real
 * consumer would, and accepts each `webhook-id` once (idempotent). Answers are programmable per id.
 */
export class WebhookReceiver {
  readonly attempts: Delivery[] = [];
  /** First verified, accepted delivery per webhook-id. */
  readonly accepted = new Map<string, Delivery>();
  duplicatesSuppressed = 0;
  private server: Server | undefined;
  private readonly scripts = new Map<string, Answer[]>();
  private readonly verifier: Webhook;
  url = '';

  constructor(secret: string) {
    this.verifier = new Webhook(secret);
  }

  /** The next answers for one id, in order; after them the receiver accepts with 200. */
  script(id: string, ...answers: Answer[]): void {
    this.scripts.set(id, answers);
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const id = String(request.headers['webhook-id'] ?? '');
        let verified = false;
        let body: unknown;
        try {
          body = this.verifier.verify(raw, request.headers as Record<string, string>);
          verified = true;
        } catch {
          body = raw;
        }
        const delivery: Delivery = { id, body, headers: request.headers, verified };
        this.attempts.push(delivery);
        const answer = this.scripts.get(id)?.shift() ?? { status: verified ? 200 : 401 };
        const respond = () => {
          if (answer.status >= 200 && answer.status < 300 && verified) {
            if (this.accepted.has(id)) this.duplicatesSuppressed += 1;
            else this.accepted.set(id, delivery);
          }
          response.writeHead(answer.status, answer.headers).end();
        };
        if (answer.delayMs) setTimeout(respond, answer.delayMs);
        else respond();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
