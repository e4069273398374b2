import { consumerFromHeaders } from './consumer';

describe('consumerFromHeaders', () => {
  it('reads the headers Kong forwards from a Node request', () => {
    expect(
      consumerFromHeaders({
        headers: {
          'x-consumer-id': 'c-1',
          'x-consumer-username': 'alice',
          'x-consumer-custom-id': 'u42',
          'x-credential-identifier': 'key-7',
        },
      }),
    ).toEqual({
      id: 'c-1',
      username: 'alice',
      customId: 'u42',
      credentialIdentifier: 'key-7',
      anonymous: false,
    });
  });

  it('reads a Fetch Headers object and anonymous consumers', () => {
    const headers = new Headers({ 'X-Consumer-Username': 'anon', 'X-Anonymous-Consumer': 'true' });
    expect(consumerFromHeaders({ headers })).toEqual({
      id: null,
      username: 'anon',
      customId: null,
      credentialIdentifier: null,
      anonymous: true,
    });
  });

  it('takes the first of repeated headers and matches names in any case', () => {
    expect(
      consumerFromHeaders({ headers: { 'X-Consumer-Username': ['bob', 'eve'] } })?.username,
    ).toBe('bob');
  });

  it('returns null when Kong sent no consumer', () => {
    expect(consumerFromHeaders({ headers: { host: 'x', 'x-consumer-id': '' } })).toBeNull();
  });
});
