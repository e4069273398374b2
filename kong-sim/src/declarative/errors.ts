/**
 * Declarative config errors (K:kong/db/errors.lua `declarative_config`): code 14
 * with a `fields` tree mirroring the input, a Lua-table rendering in the message, and the
 * optional `flattened_errors` list.
 */
import { KongDbError } from '../dao/errors';
import { flattenErrors, isPlainObject, type ErrorTree } from '../schema/validate';
import type { Row } from '../schema/types';
import type { InputPath } from './flatten';

/** Kong's singular entity names for `flattened_errors[].entity_type`. */
export const SINGULAR: Record<string, string> = {
  services: 'service',
  routes: 'route',
  upstreams: 'upstream',
  targets: 'target',
  consumers: 'consumer',
  plugins: 'plugin',
  keyauth_credentials: 'keyauth_credential',
  jwt_secrets: 'jwt_secret',
  acls: 'acl',
};

/** One entry of `flattened_errors`. */
export interface FlattenedError {
  entity_type: string;
  entity_name?: string;
  entity_id?: string;
  entity_tags?: string[];
  entity: Row;
  errors: Array<
    { type: 'field'; field: string; message: string } | { type: 'entity'; message: string }
  >;
}

/** Renders a value like Penlight's `pretty.write(t, "")`, which Kong puts in the message. */
export function luaPretty(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return 'nil';
  if (Array.isArray(value)) {
    const dense = value.every((item) => item !== null && item !== undefined);
    const parts = value.flatMap((item, i) =>
      item === null || item === undefined
        ? []
        : [dense ? luaPretty(item) : `[${i + 1}]=${luaPretty(item)}`],
    );
    return `{${parts.join(',')}}`;
  }
  if (isPlainObject(value)) {
    const parts = Object.keys(value)
      .sort()
      .map(
        (key) =>
          `${/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : `[${JSON.stringify(key)}]`}=${luaPretty(value[key])}`,
      );
    return `{${parts.join(',')}}`;
  }
  return String(value);
}

/** Sets `error` at `path` inside the tree, creating arrays for numeric segments. */
export function setAt(tree: Row, path: InputPath, error: unknown): void {
  let node: Row | unknown[] = tree;
  path.forEach((segment, i) => {
    const last = i === path.length - 1;
    const container = node as Record<string | number, unknown>;
    if (last) {
      const current = container[segment];
      container[segment] =
        isPlainObject(current) && isPlainObject(error) ? { ...current, ...error } : error;
      return;
    }
    const next = path[i + 1];
    if (
      container[segment] === undefined ||
      container[segment] === null ||
      typeof container[segment] === 'string'
    )
      container[segment] = typeof next === 'number' ? [] : {};
    node = container[segment] as Row | unknown[];
  });
}

/** Fills array holes with null so JSON keeps the input's indexes. */
export function densify(value: unknown): unknown {
  if (Array.isArray(value))
    return Array.from(value, (item) => (item === undefined ? null : densify(item)));
  if (isPlainObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, densify(v)]));
  return value;
}

/** Turns an entity's own error (tree or message) into flattened `errors[]`. */
export function flattenEntityErrors(error: unknown): FlattenedError['errors'] {
  if (typeof error === 'string') return [{ type: 'entity', message: error }];
  const tree = error as Record<string, ErrorTree | string[]>;
  const entity = (tree['@entity'] as string[] | undefined) ?? [];
  const fields = flattenErrors(tree as ErrorTree).map((line) => {
    const at = line.indexOf(': ');
    return { type: 'field' as const, field: line.slice(0, at), message: line.slice(at + 2) };
  });
  return [...entity.map((message) => ({ type: 'entity' as const, message })), ...fields];
}

/** Code 14, optionally with `flattened_errors`. */
export function declarativeError(fields: Row, flattened?: FlattenedError[]): KongDbError {
  const dense = densify(fields) as Row;
  const error = new KongDbError(
    14,
    'invalid declarative configuration',
    `declarative config is invalid: ${luaPretty(dense)}`,
    dense,
  );
  if (flattened) error.extra.flattened_errors = flattened;
  return error;
}
