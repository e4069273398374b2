/**
 * Bodies of the responses Kong produces itself
 * (kong-sim/KONG_BEHAVIOUR.md#responses-kong-produces). `kong.response.error` negotiates the format
 * from `Accept` (JSON when absent); nginx-level errors (502/504) fall back to the request
 * Content-Type and then to text/plain.
 */

/** Kong's fixed messages for responses it produces. */
export const KONG_MESSAGES = {
  noRoute: 'no Route matched with those values',
  noService: 'no Service found with those values',
  noPeer: 'failure to get a peer from the ring-balancer',
  nameResolution: 'name resolution failed',
  badGateway: 'An invalid response was received from the upstream server',
  gatewayTimeout: 'The upstream server is timing out',
  unexpected: 'An unexpected error occurred',
  useHttps: 'Please use HTTPS protocol',
} as const;

/** The formats Kong renders error bodies in. */
export type ErrorFormat = 'json' | 'html' | 'xml' | 'text';

const MIME_FORMATS: [string, ErrorFormat][] = [
  ['application/json', 'json'],
  ['text/html', 'html'],
  ['application/xml', 'xml'],
  ['text/xml', 'xml'],
  ['text/plain', 'text'],
  ['*/*', 'json'],
];

/** The first media range in `value` Kong knows, or undefined. */
function formatFrom(value: string | undefined): ErrorFormat | undefined {
  if (!value) return undefined;
  for (const range of value.split(',')) {
    const mime = range.split(';')[0]?.trim().toLowerCase() ?? '';
    const known = MIME_FORMATS.find(([m]) => m === mime);
    if (known) return known[1];
  }
  return undefined;
}

/** Format for `kong.response.error`: from Accept, JSON by default. */
export function pdkErrorFormat(accept: string | undefined): ErrorFormat {
  return formatFrom(accept) ?? 'json';
}

/** Format for nginx-level errors (502/504): Accept, then Content-Type, then text/plain. */
export function nginxErrorFormat(
  accept: string | undefined,
  contentType: string | undefined,
): ErrorFormat {
  return formatFrom(accept) ?? formatFrom(contentType) ?? 'text';
}

const CONTENT_TYPES: Record<ErrorFormat, string> = {
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  text: 'text/plain; charset=utf-8',
};

function escapeMarkup(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Renders an error body the way K:kong/tools/http.lua's templates do. */
export function renderErrorBody(
  format: ErrorFormat,
  message: string,
  requestId: string,
): { contentType: string; body: string } {
  const contentType = CONTENT_TYPES[format];
  switch (format) {
    case 'json':
      return {
        contentType,
        body: `{\n  "message":${JSON.stringify(message)},\n  "request_id":${JSON.stringify(requestId)}\n}`,
      };
    case 'text':
      return { contentType, body: `${message}\nrequest_id: ${requestId}\n` };
    case 'html': {
      const m = escapeMarkup(message);
      return {
        contentType,
        body:
          '<!doctype html>\n<html>\n  <head>\n    <meta charset="utf-8">\n    <title>Error</title>\n  </head>\n' +
          `  <body>\n    <h1>Error</h1>\n    <p>${m}.</p>\n    <p>request_id: ${requestId}</p>\n  </body>\n</html>\n`,
      };
    }
    case 'xml':
      return {
        contentType,
        body:
          '<?xml version="1.0" encoding="UTF-8"?>\n<error>\n' +
          `  <message>${escapeMarkup(message)}</message>\n  <requestid>${requestId}</requestid>\n</error>\n`,
      };
  }
}
