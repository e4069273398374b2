import { KONG_REQUEST_ID_HEADER, requestIdFromHeaders } from './request-id';

describe('requestIdFromHeaders', () => {
  const id = '4b1f0a6c2d9e43f7a8b5c0d1e2f3a4b5';

  it("reads Kong's X-Kong-Request-Id from a Node request", () => {
    expect(KONG_REQUEST_ID_HEADER).toBe('x-kong-request-id');
    expect(requestIdFromHeaders({ headers: { 'x-kong-request-id': id, host: 'x' } })).toBe(id);
  });

  it('matches the name in any case and reads a Fetch Headers object', () => {
    expect(requestIdFromHeaders({ headers: { 'X-Kong-Request-Id': id } })).toBe(id);
    expect(requestIdFromHeaders({ headers: new Headers({ 'X-Kong-Request-Id': id }) })).toBe(id);
  });

  it('takes the first of repeated headers', () => {
    expect(requestIdFromHeaders({ headers: { 'x-kong-request-id': [id, 'other'] } })).toBe(id);
  });

  it('returns null without the header, or with a value that is not an id', () => {
    expect(requestIdFromHeaders({ headers: {} })).toBeNull();
    expect(requestIdFromHeaders({ headers: { 'x-kong-request-id': '' } })).toBeNull();
    expect(requestIdFromHeaders({ headers: { 'x-kong-request-id': 'a b\nc' } })).toBeNull();
    expect(requestIdFromHeaders({ headers: { 'x-kong-request-id': 'x'.repeat(129) } })).toBeNull();
  });
});
