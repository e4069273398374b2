import { KongDbError } from './errors';
import { decodeOffset, encodeOffset, matchesTags, pageRows, parseSize, parseTags } from './paging';

const rows = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id }));

describe('pageRows', () => {
  it('walks every row once, offset only while more follows', () => {
    const first = pageRows(rows, 2, undefined);
    expect(first.data.map((r) => r.id)).toEqual(['a', 'b']);
    const second = pageRows(rows, 2, first.offset);
    const third = pageRows(rows, 2, second.offset);
    expect(third).toEqual({ data: [{ id: 'e' }] });
  });

  it('continues after the last id even when it was deleted meanwhile', () => {
    expect(
      pageRows(
        rows.filter((r) => r.id !== 'b'),
        2,
        encodeOffset('b'),
      ).data[0],
    ).toEqual({ id: 'c' });
  });

  it('pages over the rows a filter keeps, like paging the filtered list', () => {
    const many = Array.from({ length: 50 }, (_, i) => ({ id: `id-${String(i).padStart(2, '0')}` }));
    const keep = (row: { id: string }): boolean => Number(row.id.slice(3)) % 3 === 0;
    for (const size of [1, 2, 5, 17, 100]) {
      const walked: unknown[] = [];
      let offset: string | undefined;
      do {
        const page = pageRows(many, size, offset, (row) => keep(row as { id: string }));
        const expected = pageRows(many.filter(keep), size, offset);
        expect(page).toEqual(expected);
        walked.push(...page.data);
        offset = page.offset;
      } while (offset !== undefined);
      expect(walked).toEqual(many.filter(keep));
    }
  });

  it('rejects offsets it did not make with code 7', () => {
    expect(() => decodeOffset('!!')).toThrow(KongDbError);
    expect(() => decodeOffset('aGVsbG8=')).toThrow(
      "'aGVsbG8=' is not a valid offset: bad base64 encoding",
    );
  });
});

describe('parseSize and parseTags', () => {
  it.each([
    ['0', 'size must be an integer between 1 and 1000'],
    ['1.5', 'size must be an integer between 1 and 1000'],
    ['x', 'size must be a number'],
  ])('size=%s → %s', (raw, message) => {
    expect(() => parseSize(raw)).toThrow(message);
  });

  it('parses AND and OR filters', () => {
    expect(parseTags('a,b')).toEqual({ tags: ['a', 'b'], mode: 'and' });
    expect(parseTags('a/b')).toEqual({ tags: ['a', 'b'], mode: 'or' });
    expect(matchesTags({ tags: ['a'] }, { tags: ['a', 'b'], mode: 'and' })).toBe(false);
    expect(matchesTags({ tags: ['a'] }, { tags: ['a', 'b'], mode: 'or' })).toBe(true);
    expect(matchesTags({ tags: null }, { tags: ['a'], mode: 'or' })).toBe(false);
  });
});
