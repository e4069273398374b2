/**
 * The HTTP ceiling: a bare node:http server that reads the request body and answers a fixed JSON
 * body (the size of a registry heartbeat reply). Run as its own process by the throughput bench.
 */
import { createServer } from 'node:http';

const body = Buffer.from(process.env.BODY ?? '{"ok":true}');
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
    });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
