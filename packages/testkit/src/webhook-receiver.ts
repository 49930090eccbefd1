import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/**
 * One request. `senderGone`: the receiver accepted it only after the sender had closed the connection (its
 * timeout fired first), so the sender saw a failure and will send it again: a repeat it cannot avoid.
 */
export type Delivery = {
  id: string;
  body: unknown;
  headers: IncomingHttpHeaders;
  verified: boolean;
  /** When it arrived (epoch ms). */
  at: number;
  senderGone?: boolean;
};
/** `trickle`: send the status line and the first bytes of a body, then never finish it. */
export type ReceiverAnswer = { status: number; headers?: Record<string, string>; delayMs?: number; trickle?: boolean };

/**
 * A webhook receiver as a careful consumer writes one: verifies every request with the
 * `standardwebhooks` library and accepts each `webhook-id` once (idempotent), counting the repeats
 * it suppressed. Tests script answers per id, take it down, slow it or make it fail.
 */
export class WebhookReceiver {
  readonly attempts: Delivery[] = [];
  /** First verified, accepted delivery per webhook-id. */
  readonly accepted = new Map<string, Delivery>();
  /** Every suppressed repeat with the delivery of that id the receiver had accepted first. */
  readonly repeats: { first: Delivery; repeat: Delivery }[] = [];
  /** Repeats of an accepted webhook-id, suppressed (answered 2xx, not accepted again). */
  get duplicatesSuppressed(): number {
    return this.repeats.length;
  }

  /** Of those, repeats of an id whose first acceptance came after its sender had given up (`senderGone`). */
  get duplicatesAfterLateAccept(): number {
    return this.repeats.filter(({ first }) => first.senderGone === true).length;
  }

  /** Requests whose signature did not verify with the receiver's secret (answered 401). */
  unverified = 0;
  /** Requests being answered right now, and the most at once. */
  inFlight = 0;
  maxInFlight = 0;
  url = '';
  private server: Server | undefined;
  private port = 0;
  private readonly scripts = new Map<string, ReceiverAnswer[]>();
  private readonly failing = new Map<string, number>();
  private slowMs = 0;
  private verifier: Webhook;

  constructor(secret: string) {
    this.verifier = new Webhook(secret);
  }

  /** Verifies with another secret from now on (a receiver rotating its secret). */
  verifyWith(secret: string): void {
    this.verifier = new Webhook(secret);
  }

  /** The next answers for one id, in order; after them the receiver behaves normally. */
  script(id: string, ...answers: ReceiverAnswer[]): void {
    this.scripts.set(id, answers);
  }

  /** Answers `status` to every delivery of `id` until `heal(id)`. */
  failAlways(id: string, status = 500): void {
    this.failing.set(id, status);
  }

  heal(id: string): void {
    this.failing.delete(id);
  }

  /** Delays every answer by `ms` (0 = normal). */
  slow(ms: number): void {
    this.slowMs = ms;
  }

  /** Listens (again, on the same port after `down()`, so the URL stays valid). */
  async start(): Promise<this> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      this.inFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      let answered = false;
      let closed = false;
      response.once('close', () => {
        this.inFlight -= 1;
        closed = !answered;
      });
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () =>
        this.handle(
          Buffer.concat(chunks).toString('utf8'),
          request.headers,
          () => closed || response.destroyed,
          (answer) => {
            answered = true;
            if (response.destroyed) return;
            if (answer.trickle) response.writeHead(answer.status, answer.headers).write('{"received":');
            else response.writeHead(answer.status, answer.headers).end();
          },
        ),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}/hooks`;
    return this;
  }

  /** Stops listening and drops connections: senders see connection refused until `start()`. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  close(): Promise<void> {
    return this.down();
  }

  private handle(raw: string, headers: IncomingHttpHeaders, senderGone: () => boolean, respond: (answer: ReceiverAnswer) => void): void {
    const id = String(headers['webhook-id'] ?? '');
    let verified = false;
    let body: unknown = raw;
    try {
      body = this.verifier.verify(raw, headers as Record<string, string>);
      verified = true;
    } catch {
      this.unverified += 1; // answered 401 below
    }
    const delivery: Delivery = { id, body, headers, verified, at: Date.now() };
    this.attempts.push(delivery);
    const failing = this.failing.get(id);
    const answer = this.scripts.get(id)?.shift() ?? (failing ? { status: failing } : { status: verified ? 200 : 401 });
    const finish = () => {
      if (answer.status >= 200 && answer.status < 300 && verified) {
        const first = this.accepted.get(id);
        if (first) {
          this.repeats.push({ first, repeat: delivery });
        } else {
          if (senderGone()) delivery.senderGone = true;
          this.accepted.set(id, delivery);
        }
      }
      respond(answer);
    };
    const delay = (answer.delayMs ?? 0) + this.slowMs;
    if (delay > 0) setTimeout(finish, delay);
    else finish();
  }
}
