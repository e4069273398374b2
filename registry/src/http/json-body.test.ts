import { RegistryError } from '../errors';
import { parseJsonBody } from './json-body';

const parse = (text: string): unknown => parseJsonBody(Buffer.from(text, 'utf8'));

describe('parseJsonBody (as express.json strict)', () => {
  it.each<[string, unknown]>([
    ['{"port":1}', { port: 1 }],
    [' \t\r\n{"a":[1,2]}\n', { a: [1, 2] }],
    ['[1]', [1]],
    ['\uFEFF{"bom":true}', { bom: true }],
    ['', {}],
    ['\uFEFF', {}],
    ['{"name":"caf\u00e9"}', { name: 'caf\u00e9' }],
  ])('%j parses', (text, expected) => {
    expect(parse(text)).toEqual(expected);
  });

  it.each(['"x"', '1', 'null', 'true', '   ', '{"port":', '{port:1}', '{}x'])(
    '%j is REG_ERR_MALFORMED_JSON',
    (text) => {
      let thrown: unknown;
      try {
        parse(text);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(RegistryError);
      expect(thrown).toMatchObject({ code: 'REG_ERR_MALFORMED_JSON', statusCode: 400 });
    },
  );
});
