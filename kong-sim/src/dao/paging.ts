/**
 * List options: page size, opaque offset and tag filters
 * (kong-sim/KONG_BEHAVIOUR.md#lists-paging-and-tags).
 */
import { invalidOffset, invalidOptions, invalidSize } from './errors';
import { tagError } from '../schema/typedefs';
import { compareIds } from './memory-store';
import type { Row } from '../schema/types';

/** Kong's default page size. */
export const DEFAULT_PAGE_SIZE = 100;
/** Kong's maximum page size. */
export const MAX_PAGE_SIZE = 1000;

/** A parsed `?tags=` filter. */
export interface TagFilter {
  tags: string[];
  mode: 'and' | 'or';
}

/** Parses `size`; Kong answers code 9 for non-numbers and out-of-range values. */
export function parseSize(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PAGE_SIZE;
  const size = Number(raw);
  if (raw.trim() === '' || Number.isNaN(size)) throw invalidSize('size must be a number');
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE)
    throw invalidSize(`size must be an integer between 1 and ${MAX_PAGE_SIZE}`);
  return size;
}

/** Parses `tags`: `,` is AND, `/` is OR, mixing them or an empty value is code 11. */
export function parseTags(raw: string | undefined): TagFilter | undefined {
  if (raw === undefined) return undefined;
  if (raw === '') throw invalidOptions('tags', 'cannot be null');
  const hasAnd = raw.includes(',');
  const hasOr = raw.includes('/');
  if (hasAnd && hasOr) throw invalidOptions('tags', 'invalid filter syntax');
  const tags = raw.split(hasOr ? '/' : ',');
  if (tags.some((tag) => tag === '' || tagError(tag) !== undefined))
    throw invalidOptions('tags', 'invalid filter syntax');
  if (tags.length > 5) throw invalidOptions('tags', 'cannot query more than 5 tags');
  return { tags, mode: hasOr ? 'or' : 'and' };
}

/** True when the row's tags satisfy the filter. */
export function matchesTags(row: Row, filter: TagFilter | undefined): boolean {
  if (!filter) return true;
  const own = (row.tags as string[] | null) ?? [];
  return filter.mode === 'and'
    ? filter.tags.every((tag) => own.includes(tag))
    : filter.tags.some((tag) => own.includes(tag));
}

/** Opaque offset: base64 of the last id served (Postgres uses base64 of its paging token). */
export function encodeOffset(lastId: string): string {
  return Buffer.from(JSON.stringify([lastId])).toString('base64');
}

/** Decodes an offset made by encodeOffset, or fails with Kong's code 7. */
export function decodeOffset(offset: string): string {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(offset)) throw invalidOffset(offset);
  try {
    const parsed = JSON.parse(Buffer.from(offset, 'base64').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && typeof parsed[0] === 'string') return parsed[0];
  } catch {
    // fall through: not one of ours
  }
  throw invalidOffset(offset);
}

/**
 * One page of the id-ordered rows after `offset` that `keep` accepts; `offset` is set only when
 * another accepted row follows. Costs a binary search plus the rows visited, not a full scan.
 */
export function pageRows(
  rows: readonly Row[],
  size: number,
  offset: string | undefined,
  keep: (row: Row) => boolean = () => true,
): { data: Row[]; offset?: string } {
  const after = offset === undefined ? undefined : decodeOffset(offset);
  const data: Row[] = [];
  let more = false;
  for (let i = after === undefined ? 0 : firstAfter(rows, after); i < rows.length; i++) {
    const row = rows[i] as Row;
    if (!keep(row)) continue;
    if (data.length === size) {
      more = true;
      break;
    }
    data.push(row);
  }
  const last = data[data.length - 1];
  return more && last ? { data, offset: encodeOffset(last.id as string) } : { data };
}

/** Index of the first row whose id sorts after `id` (rows are ordered by compareIds). */
function firstAfter(rows: readonly Row[], id: string): number {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareIds(rows[mid]?.id as string, id) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
