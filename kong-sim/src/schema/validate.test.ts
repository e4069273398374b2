import { services } from './entities/services';
import { upstreams } from './entities/upstreams';
import { fillDefaults, schemaViolationMessage, validateRecord } from './validate';
import { coerceForm } from './coerce';

describe('fillDefaults', () => {
  it('fills every field, nulls for unset ones, records recursively', () => {
    const row = fillDefaults(upstreams.fields, {
      name: 'u',
      healthchecks: { active: { healthy: { interval: 5 } } },
    });
    expect(row.algorithm).toBe('round-robin');
    expect(row.host_header).toBeNull();
    const active = (row.healthchecks as { active: Record<string, unknown> }).active;
    expect(active.healthy).toEqual({ interval: 5, http_statuses: [200, 302], successes: 0 });
    expect(active.unhealthy).toMatchObject({ interval: 0, tcp_failures: 0 });
  });
});

describe('validateRecord and messages', () => {
  it.each([
    [
      { host: 'h', port: 'x' },
      { port: 'expected an integer' },
      'schema violation (port: expected an integer)',
    ],
    [
      { host: 'h', protocol: 'ftp' },
      { protocol: expect.stringMatching(/^expected one of: /) },
      expect.any(String),
    ],
    [
      { host: 'h', path: 'x' },
      { path: 'should start with: /' },
      'schema violation (path: should start with: /)',
    ],
    [
      { host: 'h', retries: -1 },
      { retries: 'value should be between 0 and 32767' },
      expect.any(String),
    ],
    [
      { host: 'h:80' },
      { host: 'must not have a port' },
      'schema violation (host: must not have a port)',
    ],
    [
      { host: 'h', name: 'a b' },
      { name: expect.stringContaining('the only accepted ascii characters') },
      expect.any(String),
    ],
  ])('%j → %j', (input, fields, message) => {
    const errors = validateRecord(services.fields, fillDefaults(services.fields, input));
    expect(errors).toEqual(fields);
    expect(schemaViolationMessage(errors!)).toEqual(message);
  });

  it('writes N violations with entity errors first and sorted paths', () => {
    expect(schemaViolationMessage({ z: 'x', a: { b: 'y' }, '@entity': ['e'] })).toBe(
      '3 schema violations (e; a.b: y; z: x)',
    );
  });
});

describe('coerceForm', () => {
  it('converts form strings through the schema', () => {
    const row = coerceForm(services.fields, {
      port: '8080',
      enabled: 'false',
      tags: 'one',
      name: 'n',
    });
    expect(row).toEqual({ port: 8080, enabled: false, tags: ['one'], name: 'n' });
  });
});

describe('path typedef', () => {
  it.each([
    ['/a//b', 'must not have empty segments'],
    ['/a b', "invalid path: '/a b' (characters outside of the reserved list of RFC 3986 found)"],
    ['/a%zz', "invalid url-encoded value: '%zz'"],
  ])('%s → %s', (path, message) => {
    expect(
      validateRecord(services.fields, fillDefaults(services.fields, { host: 'h', path })),
    ).toEqual({ path: message });
  });
});
