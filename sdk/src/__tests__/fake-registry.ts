import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Instance, LeaseReply, RegisterRequest } from '../contract';

/** One request the fake registry received. */
export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

/** A scripted answer; `hang` never answers (for timeouts). */
export interface FakeAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  hang?: boolean;
  /** Hold the request until this settles, then answer normally (ignores `status`). */
  release?: Promise<void>;
}

/**
 * A tiny in-memory registry on 127.0.0.1 for unit tests of the SDK's HTTP behaviour (the real
 * registry is used by test/integration/sdk). It keeps instances like the real one, and
 * `script(fn)` can override any answer.
 */
export class FakeRegistry {
  readonly requests: RecordedRequest[] = [];
  readonly instances = new Map<string, Instance>();
  heartbeatIntervalSeconds = 0.05;
  #script: ((req: RecordedRequest) => FakeAnswer | undefined) | undefined;
  #server: Server | undefined;
  #hung: ServerResponse[] = [];
  url = '';

  /** Starts listening (again, on the same port if `port` is given). */
  async start(port = 0): Promise<this> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server?.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** Overrides answers: return undefined to fall through to the normal behaviour. */
  script(fn: ((req: RecordedRequest) => FakeAnswer | undefined) | undefined): void {
    this.#script = fn;
  }

  count(method: string, suffix = ''): number {
    return this.requests.filter(
      (r) => r.method === method && r.path.split('?')[0]?.endsWith(suffix),
    ).length;
  }

  async stop(): Promise<void> {
    for (const res of this.#hung.splice(0)) res.destroy();
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      authorization: req.headers.authorization,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    };
    this.requests.push(recorded);
    let answer = this.#script?.(recorded) ?? this.#default(recorded);
    if (answer.release) {
      await answer.release;
      answer = this.#default(recorded);
    }
    if (answer.hang) {
      this.#hung.push(res);
      return;
    }
    res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
    res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  }

  #default(req: RecordedRequest): FakeAnswer {
    const match = /^\/v1\/services\/([^/]+)\/instances\/([^/?]+)(\/heartbeat)?/.exec(req.path);
    if (!match) return { status: 404, body: { code: 'REG_ERR_NOT_FOUND', message: 'no route' } };
    const key = `${match[1]}/${match[2]}`;
    if (req.method === 'DELETE' && req.path.includes('drain=true')) {
      const instance = this.instances.get(key);
      if (!instance)
        return { status: 404, body: { code: 'REG_ERR_INSTANCE_NOT_FOUND', message: 'gone' } };
      instance.draining = true;
      instance.weight = 0;
      return { status: 200, body: { instance } };
    }
    if (req.method === 'DELETE') {
      const existed = this.instances.delete(key);
      return existed
        ? { status: 204 }
        : { status: 404, body: { code: 'REG_ERR_INSTANCE_NOT_FOUND', message: 'gone' } };
    }
    if (match[3]) {
      const instance = this.instances.get(key);
      if (!instance)
        return { status: 404, body: { code: 'REG_ERR_LEASE_NOT_FOUND', message: 'lease gone' } };
      return { status: 200, body: this.#reply(instance) };
    }
    const body = req.body as RegisterRequest;
    const now = new Date().toISOString();
    const instance: Instance = {
      service: decodeURIComponent(match[1] ?? ''),
      instanceId: decodeURIComponent(match[2] ?? ''),
      host: body.host ?? '127.0.0.1',
      port: body.port,
      protocol: body.protocol ?? 'http',
      version: body.version ?? null,
      weight: body.weight ?? 100,
      metadata: body.metadata ?? {},
      ttlSeconds: body.ttlSeconds ?? 1,
      registeredAt: now,
      lastHeartbeatAt: now,
      leaseExpiresAt: now,
      draining: false,
      drainUntil: null,
      gatewayHealth: null,
      labels: body.labels ?? {},
      selfHealth: null,
    };
    this.instances.set(key, instance);
    return { status: 200, body: this.#reply(instance) };
  }

  #reply(instance: Instance): LeaseReply {
    return {
      instance,
      leaseExpiresAt: instance.leaseExpiresAt,
      heartbeatIntervalSeconds: this.heartbeatIntervalSeconds,
      definition: {
        route: true,
        prefix: `/${instance.service}`,
        stripPrefix: true,
        protocol: instance.protocol,
        auth: { type: 'none', allowGroups: [] },
        healthCheck: {
          path: '/health',
          intervalSeconds: 5,
          healthyThreshold: 2,
          unhealthyThreshold: 2,
          timeoutSeconds: 2,
        },
      },
    };
  }
}
