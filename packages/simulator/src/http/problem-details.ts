import { jsonReply, type Reply } from './reply.js';

// ASP.NET Core (which serves the Aspose API) links each ProblemDetails status to its RFC 9110 section.
const RFC_SECTIONS: Record<number, string> = {
  400: '15.5.1',
  401: '15.5.2',
  404: '15.5.5',
  405: '15.5.6',
  413: '15.5.14',
  415: '15.5.16',
  429: '15.5.29',
  500: '15.6.1',
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'An error occurred while processing your request.',
};

/** A `application/problem+json` answer shaped like ASP.NET Core's `ProblemDetails`. */
export function problemReply(status: number, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Reply {
  const section = RFC_SECTIONS[status];
  const body = {
    type: section ? `https://tools.ietf.org/html/rfc9110#section-${section}` : null,
    title: TITLES[status] ?? null,
    status,
    ...extra,
  };
  const reply = jsonReply(status, body, headers);
  return { ...reply, headers: { ...reply.headers, 'content-type': 'application/problem+json; charset=utf-8' } };
}

/** A model-validation 400 like ASP.NET's: `errors` maps a field to its messages. */
export function validationProblemReply(errors: Record<string, string[]>): Reply {
  return problemReply(400, { title: 'One or more validation errors occurred.', errors });
}
