// kong-sim's own test hooks (no Kong equivalent): the request log and the CLI.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startKongSim, type KongSim } from '@kong-registry/kong-sim';
import { waitFor } from '../../helpers/wait';

describe('request log', () => {
  let sim: KongSim;
  beforeAll(async () => {
    sim = await startKongSim();
  });
  afterAll(() => sim.close());

  it('records every Admin API request with method, path and status, and counts writes', async () => {
    sim.resetRequests();
    await fetch(`${sim.admin}/services?size=5`);
    await fetch(`${sim.admin}/services`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ host: 'a.test' }),
    });
    await fetch(`${sim.admin}/services/nope`, { method: 'DELETE' });
    expect(sim.requests()).toEqual([
      { method: 'GET', path: '/services', query: 'size=5', status: 200 },
      { method: 'POST', path: '/services', query: '', status: 201 },
      { method: 'DELETE', path: '/services/nope', query: '', status: 204 },
    ]);
    expect(sim.writeCount()).toBe(2);
    sim.resetRequests();
    expect(sim.requests()).toEqual([]);
  });
});

// The CLI runs from kong-sim/dist (built by `npm test` before jest runs).
const BIN = join(__dirname, '../../../kong-sim/bin/kong-sim.js');

describe('CLI', () => {
  it('explains itself with --help', async () => {
    const child = spawn(process.execPath, [BIN, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(stdout).toContain('--admin-port');
    expect(stdout).toContain('Not a production gateway');
  });

  it('prints one JSON line when ready and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, '--admin-port', '0', '--proxy-port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const line = await waitFor(() => (stdout.includes('\n') ? stdout : undefined), {
      timeoutMs: 20_000,
      what: 'kong-sim ready line',
    });
    const urls = JSON.parse(line.trim()) as { admin: string; proxy: string };
    expect(Object.keys(urls)).toEqual(['admin', 'proxy']);
    expect((await fetch(`${urls.admin}/status`)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
  });
});
