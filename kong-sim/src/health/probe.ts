import net from 'node:net';
import tls from 'node:tls';

/**
 * One active health probe, as lua-resty-healthcheck 3.1.0 sends it (`lib/resty/healthcheck.lua`):
 * connect with a socket timeout, and for http/https send `GET <path> HTTP/1.0` and read only the
 * status line.
 */

/** What a probe observed. `status: null` means the status line could not be parsed. */
export type ProbeResult =
  | { kind: 'connected' }
  | { kind: 'status'; status: number | null }
  | { kind: 'tcp_failure'; error: string }
  | { kind: 'timeout' };

/** Everything a probe needs to know. */
export interface ProbeRequest {
  type: string;
  host: string;
  port: number;
  /** Socket timeout in ms; 0 means none. */
  timeoutMs: number;
  httpPath: string;
  hostHeader: string;
  headers: Record<string, string[]> | null;
  sni: string | null;
  verifyCertificate: boolean;
  /** Aborts the probe (checker stopped); it then resolves as a tcp failure that nobody reads. */
  signal?: AbortSignal;
}

/** Sends the probe; never rejects. */
export function probeTarget(request: ProbeRequest): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const secure = request.type === 'https' || request.type === 'grpcs';
    const socket = secure
      ? tls.connect({
          host: request.host,
          port: request.port,
          servername: net.isIP(request.sni ?? request.hostHeader)
            ? undefined
            : (request.sni ?? request.hostHeader),
          rejectUnauthorized: request.verifyCertificate,
        })
      : net.connect({ host: request.host, port: request.port });
    let done = false;
    let received = '';
    const finish = (result: ProbeResult): void => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(result);
    };
    const onAbort = (): void => finish({ kind: 'tcp_failure', error: 'aborted' });
    if (request.signal?.aborted) onAbort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('close', () => request.signal?.removeEventListener('abort', onAbort));
    if (request.timeoutMs > 0)
      socket.setTimeout(request.timeoutMs, () => finish({ kind: 'timeout' }));
    socket.on('error', (err) => finish({ kind: 'tcp_failure', error: err.message }));
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      if (request.type === 'tcp') return finish({ kind: 'connected' });
      const lines = [`GET ${request.httpPath} HTTP/1.0`];
      for (const [name, values] of Object.entries(request.headers ?? {})) {
        for (const value of values) lines.push(`${name}: ${value}`);
      }
      lines.push(`Host: ${request.hostHeader}`, '', '');
      socket.write(lines.join('\r\n'));
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n');
      if (end === -1 && received.length < 1024) return;
      const statusLine = end === -1 ? received : received.slice(0, end);
      const status = /^HTTP\/\d+(?:\.\d+)? (\d{3})/.exec(statusLine);
      finish({ kind: 'status', status: status ? Number(status[1]) : null });
    });
    socket.on('end', () => {
      if (received.length > 0) {
        const status = /^HTTP\/\d+(?:\.\d+)? (\d{3})/.exec(received);
        finish({ kind: 'status', status: status ? Number(status[1]) : null });
      } else {
        finish({ kind: 'tcp_failure', error: 'connection closed before the status line' });
      }
    });
  });
}
