/**
 * The proxy's listening socket. A plain listener speaks HTTP/1.x only. One with Kong's `http2`
 * flag (`proxy_listen = 0.0.0.0:8000 http2`) also takes HTTP/2 cleartext with prior knowledge,
 * which is how gRPC clients connect without TLS: Kong's template turns the flag into nginx's
 * `http2 on;` in the proxy server block (K:kong/templates/nginx_kong.lua; the flag is parsed in
 * K:kong/conf_loader/listeners.lua), and nginx (1.25.1 and later, which Kong 3.9 ships) tells the
 * two apart on a plain socket by the HTTP/2 connection preface.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';

/** The client connection preface of RFC 9113 §3.4. */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** Handlers for the two protocol versions. */
export interface ProxyHandlers {
  http1: http.RequestListener;
  /** `clientAddress`: the peer's address, which the HTTP/2 session cannot see (below). */
  http2: (
    req: http2.Http2ServerRequest,
    res: http2.Http2ServerResponse,
    clientAddress: string,
  ) => void;
}

/** A listening proxy socket. */
export interface ProxyListener {
  port: number;
  /** Stops accepting and closes every open connection. */
  close(): Promise<void>;
}

/**
 * Whether `head`, the first bytes a client sent, is (the start of) the HTTP/2 preface: true or
 * false once decided, undefined while too few bytes arrived to tell.
 */
export function startsWithPreface(head: Buffer): boolean | undefined {
  const n = Math.min(head.length, PREFACE.length);
  if (!head.subarray(0, n).equals(PREFACE.subarray(0, n))) return false;
  return n === PREFACE.length ? true : undefined;
}

/**
 * Hands each new connection to the HTTP/1 or the HTTP/2 server by its first bytes. Those bytes
 * are read already, so they are put back (`unshift`); an HTTP/2 session reads a socket's native
 * handle and would skip them, so it gets the socket behind a plain stream instead, and its
 * client address from here (keyed by session, which `emit` creates synchronously).
 */
function sniffingServer(
  h1: http.Server,
  h2: http2.Http2Server,
  addresses: WeakMap<http2.Http2Session, string>,
): net.Server {
  let arriving: string | undefined;
  h2.on('session', (session: http2.ServerHttp2Session) => {
    if (arriving !== undefined) addresses.set(session, arriving);
  });
  return net.createServer((socket) => {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const isHttp2 = startsWithPreface(head);
      if (isHttp2 === undefined) return;
      socket.off('data', onData);
      socket.pause();
      socket.unshift(head);
      if (!isHttp2) {
        h1.emit('connection', socket);
        socket.resume();
        return;
      }
      arriving = socket.remoteAddress ?? '';
      h2.emit('connection', Duplex.from({ readable: socket, writable: socket }));
      arriving = undefined;
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  });
}

/** Listens on `host:port`; with `http2`, HTTP/1.x and h2c share the port. */
export async function listenProxy(
  options: { host: string; port: number; http2: boolean },
  handlers: ProxyHandlers,
): Promise<ProxyListener> {
  const h1 = http.createServer(handlers.http1);
  const addresses = new WeakMap<http2.Http2Session, string>();
  const h2 = options.http2
    ? http2.createServer((req, res) =>
        handlers.http2(req, res, addresses.get(req.stream.session as http2.Http2Session) ?? ''),
      )
    : undefined;
  const server: net.Server = h2 ? sniffingServer(h1, h2, addresses) : h1;
  const sockets = new Set<net.Socket>();
  if (h2) {
    server.on('connection', (socket: net.Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        h1.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      }),
  };
}
