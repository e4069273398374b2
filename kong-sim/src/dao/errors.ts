/**
 * Kong's DAO errors (K:kong/db/errors.lua) and their HTTP statuses (K:kong/api/endpoints.lua
 * `ERRORS_HTTP_CODES`). The Admin API turns them into bodies in one place.
 */
import { isPlainObject, schemaViolationMessage, type ErrorTree } from '../schema/validate';

/** HTTP status per Kong error code. */
const STATUS_BY_CODE: Record<number, number> = {
  1: 400,
  2: 400,
  3: 400,
  4: 400,
  5: 409,
  6: 404,
  7: 400,
  8: 500,
  9: 400,
  10: 400,
  11: 400,
  12: 405,
  13: 400,
  14: 400,
  19: 400,
};

/** A coded Kong error; `kongName` is Kong's `name` (e.g. "schema violation"). */
export class KongDbError extends Error {
  readonly status: number;
  /** Extra top-level body keys (e.g. `flattened_errors` for `/config`). */
  extra: Record<string, unknown> = {};
  constructor(
    readonly code: number,
    readonly kongName: string,
    message: string,
    readonly fields?: unknown,
    readonly options?: unknown,
  ) {
    super(message);
    this.status = STATUS_BY_CODE[code] ?? 500;
  }

  /** The JSON body Kong sends; `fields` only when present, `options` for code 11. */
  toBody(): Record<string, unknown> {
    if (this.code === 8) return { message: 'An unexpected error occurred' };
    const body: Record<string, unknown> = {
      code: this.code,
      name: this.kongName,
      message: this.message,
    };
    if (this.fields !== undefined) body.fields = this.fields;
    if (this.options !== undefined) body.options = this.options;
    return { ...body, ...this.extra };
  }
}

/** An Admin API error with a plain `{message}` body (404 Not found, 405, 400 ...). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Formats a key the way Kong prints Lua tables: `{a="x",b=null,c={id="..."}}`, keys sorted. */
export function formatKey(key: Record<string, unknown>): string {
  const parts = Object.keys(key)
    .sort()
    .map((name) => `${name}=${formatValue(key[name])}`);
  return `{${parts.join(',')}}`;
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return `"${value}"`;
  if (isPlainObject(value)) return formatKey(value);
  return String(value);
}

/** Code 2. */
export function schemaViolation(fields: Record<string, ErrorTree | string[]>): KongDbError {
  return new KongDbError(2, 'schema violation', schemaViolationMessage(fields), fields);
}

/** Code 3 (400 per endpoints.lua). */
export function primaryKeyViolation(id: string): KongDbError {
  return new KongDbError(
    3,
    'primary key violation',
    `primary key violation on key '${formatKey({ id })}'`,
    { id },
  );
}

/** Code 4 on write: a `{id}` reference that does not exist. */
export function foreignKeyViolation(field: string, reference: string, id: string): KongDbError {
  return new KongDbError(
    4,
    'foreign key violation',
    `the foreign key '${formatKey({ id })}' does not reference an existing '${reference}' entity.`,
    { [field]: { id } },
  );
}

/** Code 4 on delete: a restricting child still references the entity. */
export function foreignKeyRestricted(child: string, parent: string): KongDbError {
  return new KongDbError(
    4,
    'foreign key violation',
    `an existing '${child}' entity references this '${parent}' entity`,
    { '@referenced_by': child },
  );
}

/** Code 5 (409). */
export function uniqueViolation(key: Record<string, unknown>): KongDbError {
  return new KongDbError(
    5,
    'unique constraint violation',
    `UNIQUE violation detected on '${formatKey(key)}'`,
    key,
  );
}

/** Code 6 (404), with a primary key or an endpoint key. */
export function notFound(key: Record<string, unknown>, byPrimaryKey: boolean): KongDbError {
  const what = byPrimaryKey ? 'primary key ' : '';
  return new KongDbError(
    6,
    'not found',
    `could not find the entity with ${what}'${formatKey(key)}'`,
    key,
  );
}

/** Code 7. */
export function invalidOffset(offset: string): KongDbError {
  return new KongDbError(
    7,
    'invalid offset',
    `'${offset}' is not a valid offset: bad base64 encoding`,
  );
}

/** Code 9. */
export function invalidSize(message: string): KongDbError {
  return new KongDbError(9, 'invalid size', message);
}

/** Code 11, with `options` instead of `fields`. */
export function invalidOptions(option: string, reason: string): KongDbError {
  return new KongDbError(
    11,
    'invalid options',
    `invalid option (${option}: ${reason})`,
    undefined,
    {
      [option]: reason,
    },
  );
}

/** Code 12 (405), DB-less writes. */
export function operationUnsupported(message: string): KongDbError {
  return new KongDbError(12, 'operation unsupported', message);
}

/** Code 13: a foreign key given by endpoint key that matches nothing. */
export function foreignKeyUnresolved(
  field: string,
  keyName: string,
  value: unknown,
  reference: string,
): KongDbError {
  const text = `the foreign key cannot be resolved with '${formatKey({ [keyName]: value })}' for an existing '${reference}' entity`;
  return new KongDbError(
    13,
    'foreign keys unresolved',
    `foreign key unresolved (${field}.${keyName}: ${text})`,
    {
      [field]: { [keyName]: text },
    },
  );
}
