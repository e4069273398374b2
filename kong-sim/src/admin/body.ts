/**
 * Request body parsing as Kong's `before_filter` and `parse_params` do it
 * (K:kong/api/api_helpers.lua): JSON, form-urlencoded with `a.b` / `a[1]` / `a[]` keys, a minimal
 * multipart, YAML for `/config`; anything else with a body is 415.
 */
import { HttpError } from '../dao/errors';
import type { Row } from '../schema/types';

/** Parsed body plus what the handlers need to know about it. */
export interface ParsedBody {
  body: Row | undefined;
  mediaType: string;
  fromForm: boolean;
}

/** Thrown for unsupported content types: Kong answers 415 with an empty body. */
export class UnsupportedMediaType extends Error {}

const YAML_TYPES = ['application/yaml', 'text/yaml', 'application/x-yaml'];

/** Parses `raw` according to its Content-Type. `allowYaml` only for `/config`. */
export function parseBody(
  raw: string,
  contentType: string | undefined,
  allowYaml: boolean,
): ParsedBody {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (raw.length === 0 && mediaType !== 'application/json')
    return { body: undefined, mediaType, fromForm: false };
  if (mediaType === 'application/json') {
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
      return { body: parsed as Row, mediaType, fromForm: false };
    } catch {
      throw new HttpError(400, 'Cannot parse JSON body');
    }
  }
  if (mediaType === 'application/x-www-form-urlencoded')
    return { body: parseForm(new URLSearchParams(raw)), mediaType, fromForm: true };
  if (mediaType === 'multipart/form-data')
    return { body: parseForm(parseMultipart(raw, contentType ?? '')), mediaType, fromForm: true };
  if (allowYaml && YAML_TYPES.includes(mediaType))
    return { body: undefined, mediaType, fromForm: false };
  throw new UnsupportedMediaType();
}

/** Turns `a.b=1&a[1]=x&a[]=y` style pairs into nested objects and arrays (indexes 1-based). */
export function parseForm(pairs: Iterable<[string, string]>): Row {
  const root: Row = {};
  for (const [key, value] of pairs) {
    const tokens = key
      .replace(/\[(\d*)\]/g, '.[$1]')
      .split('.')
      .filter((t) => t !== '');
    let node: Row | unknown[] = root;
    tokens.forEach((token, i) => {
      const last = i === tokens.length - 1;
      const next = tokens[i + 1];
      const container = (): Row | unknown[] => (next?.startsWith('[') ? [] : {});
      if (token.startsWith('[')) {
        const list = node as unknown[];
        const index = token === '[]' ? list.length : Number(token.slice(1, -1)) - 1;
        if (last) list[index] = value;
        else node = (list[index] ??= container()) as Row | unknown[];
        return;
      }
      const record = node as Row;
      if (last) {
        const current = record[token];
        record[token] =
          current === undefined
            ? value
            : Array.isArray(current)
              ? [...current, value]
              : [current, value];
      } else node = (record[token] ??= container()) as Row | unknown[];
    });
  }
  return root;
}

/** Extracts text fields from a multipart/form-data body (files are not supported). */
function parseMultipart(raw: string, contentType: string): Array<[string, string]> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker) return [];
  const pairs: Array<[string, string]> = [];
  for (const part of raw.split(`--${marker}`)) {
    const match = /name="([^"]+)"[^]*?\r?\n\r?\n([^]*?)\r?\n?$/.exec(part);
    if (match?.[1] !== undefined && match[2] !== undefined) pairs.push([match[1], match[2]]);
  }
  return pairs;
}
