import { nginxErrorFormat, pdkErrorFormat, renderErrorBody } from './errors';

// Kong's rules: kong-sim/KONG_BEHAVIOUR.md#responses-kong-produces.
describe('Kong error bodies', () => {
  it('renders the JSON template with request_id, two-space indent', () => {
    expect(renderErrorBody('json', 'no Route matched with those values', 'abc').body).toBe(
      '{\n  "message":"no Route matched with those values",\n  "request_id":"abc"\n}',
    );
  });

  it('renders plain text as message, newline, request_id line', () => {
    expect(renderErrorBody('text', 'The upstream server is timing out', 'abc').body).toBe(
      'The upstream server is timing out\nrequest_id: abc\n',
    );
  });

  it.each([
    [undefined, 'json'],
    ['*/*', 'json'],
    ['text/plain', 'text'],
    ['text/html,application/xhtml+xml;q=0.9', 'html'],
    ['application/xml', 'xml'],
    ['image/png', 'json'],
  ] as const)('kong.response.error with Accept %s -> %s', (accept, format) => {
    expect(pdkErrorFormat(accept)).toBe(format);
  });

  it.each([
    [undefined, undefined, 'text'],
    ['application/json', undefined, 'json'],
    [undefined, 'application/json', 'json'],
    ['image/png', 'image/png', 'text'],
  ] as const)(
    'nginx error with Accept %s and Content-Type %s -> %s',
    (accept, contentType, format) => {
      expect(nginxErrorFormat(accept, contentType)).toBe(format);
    },
  );
});
