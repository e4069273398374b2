import { HttpError } from '../dao/errors';
import { parseBody, parseForm, UnsupportedMediaType } from './body';

describe('parseForm', () => {
  it('nests a.b keys and builds 1-based a[n] and a[] arrays', () => {
    const form = new URLSearchParams(
      'name=x&config.key_names[1]=a&config.key_names[2]=b&tags[]=t&m=GET&m=POST',
    );
    expect(parseForm(form)).toEqual({
      name: 'x',
      config: { key_names: ['a', 'b'] },
      tags: ['t'],
      m: ['GET', 'POST'],
    });
  });
});

describe('parseBody', () => {
  it('accepts no body at all, refuses unknown media types and bad JSON', () => {
    expect(parseBody('', undefined, false).body).toBeUndefined();
    expect(() => parseBody('x', 'text/plain', false)).toThrow(UnsupportedMediaType);
    expect(() => parseBody('{', 'application/json', false)).toThrow(HttpError);
    expect(() => parseBody('', 'application/json', false)).toThrow('Cannot parse JSON body');
    expect(() => parseBody('a: 1', 'application/yaml', false)).toThrow(UnsupportedMediaType);
    expect(parseBody('a: 1', 'application/yaml', true).mediaType).toBe('application/yaml');
  });

  it('reads text fields from multipart/form-data', () => {
    const raw =
      '--B\r\nContent-Disposition: form-data; name="host"\r\n\r\nexample.com\r\n--B--\r\n';
    expect(parseBody(raw, 'multipart/form-data; boundary=B', false).body).toEqual({
      host: 'example.com',
    });
  });
});
