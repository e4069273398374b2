import { SseParser } from './sse';

describe('SseParser', () => {
  it('parses events split across chunks, skipping comments and retry lines', () => {
    const parser = new SseParser();
    expect(
      parser.push('retry: 1000\n\n: keep-alive\n\nid: 1-0\nevent: instance.registered\nda'),
    ).toEqual([]);
    expect(parser.push('ta: {"a":1}\n\nid: 2-0\ndata: x\ndata: y\n\n')).toEqual([
      { id: '1-0', event: 'instance.registered', data: '{"a":1}' },
      { id: '2-0', event: 'message', data: 'x\ny' },
    ]);
    expect(parser.comments).toBe(1);
  });
});
