import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export type ReceivedWebhook = { id: string; type: string; verified: boolean; duplicate: boolean };

/**
 * The demo's webhook consumer: verifies each request with `standardwebhooks` (as the README tells
 * consumers to), dedupes on `webhook-id`, answers 401 to anything unsigned or tampered with.
 */
export async function startDemoReceiver(
  secret: string,
  onWebhook: (webhook: ReceivedWebhook) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const verifier = new Webhook(secret);
  const seen = new Set<string>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const id = String(request.headers['webhook-id'] ?? '');
      try {
        const event = verifier.verify(Buffer.concat(chunks).toString('utf8'), request.headers as Record<string, string>) as {
          type: string;
        };
        const duplicate = seen.has(id);
        seen.add(id);
        onWebhook({ id, type: event.type, verified: true, duplicate });
        response.writeHead(204).end();
      } catch {
        onWebhook({ id, type: 'unverified', verified: false, duplicate: false });
        response.writeHead(401).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/regions`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
