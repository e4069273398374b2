import http from 'node:http';
import http2 from 'node:http2';
import { listenProxy, startsWithPreface } from './listener';

describe('startsWithPreface', () => {
  const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

  it('is true for the whole preface, undefined for a start of it, false otherwise', () => {
    expect(startsWithPreface(preface)).toBe(true);
    expect(startsWithPreface(Buffer.concat([preface, Buffer.from('frames')]))).toBe(true);
    expect(startsWithPreface(preface.subarray(0, 5))).toBeUndefined();
    expect(startsWithPreface(Buffer.from('PUT / HTTP/1.1\r\n'))).toBe(false);
    expect(startsWithPreface(Buffer.from('P'))).toBeUndefined();
  });
});

describe('listenProxy', () => {
  it('with http2, serves HTTP/1.1 and h2c on one port, each with the client address', async () => {
    const seen: string[] = [];
    const listener = await listenProxy(
      { host: '127.0.0.1', port: 0, http2: true },
      {
        http1: (req, res) => {
          seen.push(`1 ${req.socket.remoteAddress}`);
          res.end('one');
        },
        http2: (_req, res, address) => {
          seen.push(`2 ${address}`);
          res.end('two');
        },
      },
    );
    try {
      const one = await fetch(`http://127.0.0.1:${listener.port}/`).then((r) => r.text());
      const session = http2.connect(`http://127.0.0.1:${listener.port}`);
      const two = await new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        const stream = session.request({ ':path': '/' });
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => resolve(Buffer.concat(chunks).toString()));
        stream.on('error', reject);
        stream.end();
      });
      session.close();
      expect([one, two]).toEqual(['one', 'two']);
      expect(seen.map((line) => line.replace('::ffff:', ''))).toEqual([
        '1 127.0.0.1',
        '2 127.0.0.1',
      ]);
    } finally {
      await listener.close();
    }
  });

  it('without http2, an h2c client gets no HTTP/2 answer', async () => {
    const listener = await listenProxy(
      { host: '127.0.0.1', port: 0, http2: false },
      { http1: (_req, res) => res.end('one'), http2: () => undefined },
    );
    try {
      const session = http2.connect(`http://127.0.0.1:${listener.port}`);
      const outcome = await new Promise<string>((resolve) => {
        session.on('error', (err) => resolve(`error ${(err as NodeJS.ErrnoException).code}`));
        const stream = session.request({ ':path': '/' });
        stream.on('response', () => resolve('answered'));
        stream.on('error', () => undefined);
        stream.end();
      });
      session.destroy();
      expect(outcome).toMatch(/^error /);
      const server = http.get(`http://127.0.0.1:${listener.port}/`);
      const status = await new Promise<number>((resolve) =>
        server.on('response', (r) => resolve(r.statusCode ?? 0)),
      );
      expect(status).toBe(200);
    } finally {
      await listener.close();
    }
  });
});
