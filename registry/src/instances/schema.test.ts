import { Writable } from 'node:stream';
import pino from 'pino';
import { fromSchemaRefusal, schemaRefusalReason, schemaStatus, SCHEMA_VERSION } from './schema';
import { SchemaWatch } from './schema-watch';

/** A Redis error reply as ioredis rejects with it. */
const replyError = (message: string): Error =>
  Object.assign(new Error(message), { name: 'ReplyError' });

describe('schemaStatus', () => {
  it.each<[string | null, number | null, boolean, string]>([
    [null, 1, true, 'no stamp: written before the stamp existed (format 1)'],
    ['1', 1, true, 'an older format'],
    [String(SCHEMA_VERSION), SCHEMA_VERSION, true, 'this format'],
    [String(SCHEMA_VERSION + 1), SCHEMA_VERSION + 1, false, 'a newer format'],
    ['17', 17, false, 'a much newer format'],
    ['x', null, false, 'an unreadable stamp'],
    ['', null, false, 'an empty stamp (Lua reads no number there either)'],
  ])('%j -> stored %j, writable %j (%s)', (stamp, stored, writable) => {
    expect(schemaStatus(stamp)).toEqual({ stored, supported: SCHEMA_VERSION, writable });
  });

  it('compares against the format the caller supports', () => {
    expect(schemaStatus('3', 3).writable).toBe(true);
    expect(schemaStatus('3', 2).writable).toBe(false);
  });

  it('says which format it met and which it understands', () => {
    expect(schemaRefusalReason(schemaStatus('3', 2))).toMatch(
      /stored data is format 3, newer than this registry understands \(format 2\)/,
    );
    expect(schemaRefusalReason(schemaStatus('x', 2))).toContain('an unreadable format');
  });
});

describe('fromSchemaRefusal', () => {
  it("turns a script's SCHEMA reply into 503 REG_ERR_SCHEMA_TOO_NEW saying why", () => {
    const err = fromSchemaRefusal(replyError('SCHEMA stored=3 supported=2'));
    expect(err).toMatchObject({ code: 'REG_ERR_SCHEMA_TOO_NEW', statusCode: 503 });
    expect(err?.message).toContain('format 3');
    expect(err?.message).toContain('(format 2)');
  });

  it('leaves every other failure alone', () => {
    expect(fromSchemaRefusal(replyError('ERR something else'))).toBeUndefined();
    expect(fromSchemaRefusal(new Error('SCHEMA stored=3 supported=2'))).toBeUndefined();
    expect(fromSchemaRefusal('SCHEMA')).toBeUndefined();
  });
});

describe('SchemaWatch', () => {
  /** A watch over a stamp the test sets, logging into `lines`. */
  function watch(): {
    set(stamp: string | null): void;
    check(): Promise<unknown>;
    lines: object[];
  } {
    const lines: object[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
          lines.push(JSON.parse(line) as object);
        }
        done();
      },
    });
    let stamp: string | null = null;
    const w = new SchemaWatch(() => Promise.resolve(stamp), pino({ level: 'debug' }, stream), 2);
    return {
      set: (next) => (stamp = next),
      check: () => w.check(),
      lines,
    };
  }
  const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it('says a newer format once, however often it is met, and says when writes resume', async () => {
    const w = watch();
    await w.check(); // unstamped
    w.set('2');
    await w.check();
    w.set('3');
    for (let i = 0; i < 5; i += 1) await w.check();
    w.set('2');
    await w.check();
    await w.check();
    await flush();
    expect(
      w.lines.map((l) => [(l as { level: number }).level, (l as { msg: string }).msg]),
    ).toEqual([
      [30, expect.stringContaining('format 1: read as it is, stamped format 2')],
      [30, 'the stored data is format 2, as this registry writes'],
      [50, expect.stringContaining('the stored data is format 3, newer than this registry')],
      [30, 'the stored data is format 2 again: writes accepted'],
    ]);
    expect(w.lines[2]).toMatchObject({ storedFormat: 3, supportedFormat: 2 });
  });

  it('answers what it read', async () => {
    const w = watch();
    w.set('9');
    await expect(w.check()).resolves.toEqual({ stored: 9, supported: 2, writable: false });
  });
});
