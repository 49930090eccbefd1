import { jsonReply, type Reply } from './http/reply.js';
import type { TokenStore } from './token-store.js';

type Credentials = { clientId: string; clientSecret: string };

// OAuth 2.0 (RFC 6749 §5.2) error answers, as Aspose's identity server sends them.
const oauthError = (error: string): Reply => jsonReply(400, { error }, { 'cache-control': 'no-store', pragma: 'no-cache' });

/**
 * `POST /connect/token`, client-credentials grant. Client credentials come from the form body or,
 * as RFC 6749 also allows, an HTTP Basic `Authorization` header.
 */
export function handleToken(
  body: string,
  contentType: string | undefined,
  authorization: string | undefined,
  expected: Credentials,
  tokens: TokenStore,
): Reply {
  if (!/^application\/x-www-form-urlencoded\b/i.test(contentType ?? '')) return oauthError('invalid_request');
  const form = new URLSearchParams(body);
  const grantType = form.get('grant_type');
  if (!grantType) return oauthError('invalid_request');
  if (grantType !== 'client_credentials') return oauthError('unsupported_grant_type');
  const basic = basicCredentials(authorization);
  const clientId = form.get('client_id') ?? basic?.clientId;
  const clientSecret = form.get('client_secret') ?? basic?.clientSecret;
  if (clientId !== expected.clientId || clientSecret !== expected.clientSecret) return oauthError('invalid_client');
  const { token, expiresIn } = tokens.issue();
  return jsonReply(
    200,
    { access_token: token, expires_in: expiresIn, token_type: 'Bearer' },
    { 'cache-control': 'no-store', pragma: 'no-cache' },
  );
}

function basicCredentials(authorization: string | undefined): Credentials | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return { clientId: decodeURIComponent(decoded.slice(0, colon)), clientSecret: decodeURIComponent(decoded.slice(colon + 1)) };
  } catch {
    return undefined; // malformed percent-encoding: treated as no credentials, hence invalid_client
  }
}
