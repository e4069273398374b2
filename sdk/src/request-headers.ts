/** Reading one request header from whatever a handler was given: Node, Express or Fetch. */

/** A Node/Express header record, or a Fetch `Headers` (anything with `get`). */
export type HeaderBag =
  { get(name: string): string | null } | Record<string, string | string[] | undefined>;

/**
 * The first value of header `name` (lowercase), matched in any case; null when absent or empty.
 */
export function readHeader(headers: HeaderBag, name: string): string | null {
  let value: string | string[] | null | undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    value = (headers as { get(name: string): string | null }).get(name);
  } else {
    const bag = headers as Record<string, string | string[] | undefined>;
    value = bag[name] ?? Object.entries(bag).find(([key]) => key.toLowerCase() === name)?.[1];
  }
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === null || first === '' ? null : first;
}
