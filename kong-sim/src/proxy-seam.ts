/**
 * TEMPORARY seam until kong-sim/src/proxy/index.ts lands (built in parallel): the expected
 * signature of `createProxy`, loaded at run time when present, with a stand-in otherwise that
 * routes nothing (404 `no Route matched with those values`) and reports health checks off.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HealthView, StoreReader } from './store/types';
import type { SimLogger } from './admin/server';

/** Options the proxy half accepts. */
export interface ProxyOptions {
  host: string;
  port: number;
  nodeId?: string;
  logger?: SimLogger;
}

/** A running proxy. */
export interface ProxyHandle {
  url: string;
  port: number;
  health: HealthView;
  close(): Promise<void>;
}

/** The proxy half's factory. */
export type CreateProxy = (store: StoreReader, options: ProxyOptions) => Promise<ProxyHandle>;

const healthOff: HealthView = {
  isHealthcheckingOn: () => false,
  targetHealth: () => ({ health: 'HEALTHCHECKS_OFF', addresses: [] }),
  setTargetHealth: () => false,
};

const standInProxy: CreateProxy = async (_store, options) => {
  const server = createServer((_req, res) => {
    const body = '{\n  "message":"no Route matched with those values",\n  "request_id":"0"\n}';
    res.writeHead(404, { 'Content-Type': 'application/json; charset=utf-8', Server: 'kong/3.9.3' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host}:${port}`,
    port,
    health: healthOff,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

/** The real createProxy when the proxy half exists, else the stand-in. */
export function loadCreateProxy(): CreateProxy {
  const modulePath = './proxy/index';
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(modulePath) as { createProxy?: CreateProxy };
    if (typeof mod.createProxy === 'function') return mod.createProxy;
  } catch {
    // not there yet
  }
  return standInProxy;
}
