import { spawnCaptured, type CapturedProcess } from '../../helpers/process';
import { waitFor } from '../../helpers/wait';

/**
 * The whole of an instance that matters to the registry, as its own process: it registers, then
 * heartbeats (registering again when its lease is gone) until it is killed. SIGKILL it and the
 * registry learns nothing until the lease runs out, as with a crashed service.
 */
const SCRIPT = `
const { REGISTRY_URL, TOKEN, SERVICE, INSTANCE, BODY, HEARTBEAT_MS } = process.env;
const base = REGISTRY_URL + '/v1/services/' + SERVICE + '/instances/' + INSTANCE;
const headers = { Authorization: 'Bearer ' + TOKEN, 'Content-Type': 'application/json' };
const register = async () => {
  const res = await fetch(base, { method: 'PUT', headers, body: BODY });
  if (res.status >= 300) throw new Error('register: HTTP ' + res.status + ' ' + (await res.text()));
  console.log('registered');
};
const beat = async () => {
  const res = await fetch(base + '/heartbeat', { method: 'PUT', headers });
  if (res.status === 404) await register();
};
register().then(
  () => setInterval(() => beat().catch((err) => console.error(String(err))), Number(HEARTBEAT_MS)),
  (err) => { console.error(String(err)); process.exit(1); },
);
`;

export interface LeaseHolder {
  process: CapturedProcess;
  /** SIGKILL: no deregistration, no drain; the lease runs out on its own. */
  kill(): Promise<void>;
}

/** Starts a holder and waits until its first registration was accepted. */
export async function startLeaseHolder(options: {
  registryUrl: string;
  token: string;
  service: string;
  instanceId: string;
  registration: Record<string, unknown>;
  heartbeatMs: number;
}): Promise<LeaseHolder> {
  const child = spawnCaptured(process.execPath, ['-e', SCRIPT], {
    env: {
      PATH: process.env.PATH,
      REGISTRY_URL: options.registryUrl,
      TOKEN: options.token,
      SERVICE: options.service,
      INSTANCE: options.instanceId,
      BODY: JSON.stringify(options.registration),
      HEARTBEAT_MS: String(options.heartbeatMs),
    },
  });
  let exited = false;
  void child.exited.then(() => (exited = true));
  await waitFor(
    () => {
      if (exited) throw new Error(`lease holder exited: ${child.stderr()}`);
      return child.stdout().includes('registered');
    },
    { what: `${options.service}/${options.instanceId} registered` },
  );
  return {
    process: child,
    kill: async () => {
      if (!exited) child.child.kill('SIGKILL');
      await child.exited;
    },
  };
}
