// deploy/compose/bootstrap.sh, the compose stack's first job, run for real with the built
// `kong-registry` CLI (npm test builds dist/ before jest): it must create the JWT secret once,
// keep it across runs, and mint tokens the registry accepts (role and lifetime as documented).
import { execFile } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..', '..', '..');
const run = promisify(execFile);

let work: string;
let secrets: string;
let bin: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'kr-bootstrap-'));
  secrets = join(work, 'secrets');
  bin = join(work, 'bin');
  mkdirSync(bin);
  // What the image provides: `kong-registry` on PATH.
  symlinkSync(join(ROOT, 'cli', 'bin', 'kong-registry.js'), join(bin, 'kong-registry'));
});

afterEach(() => rmSync(work, { recursive: true, force: true }));

async function bootstrap(env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run('sh', [join(ROOT, 'deploy', 'compose', 'bootstrap.sh')], {
    env: {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      SECRETS_DIR: secrets,
      SERVICES: 'orders users',
      ...env,
    },
  });
  return stdout;
}

function claims(file: string): Record<string, unknown> {
  const token = readFileSync(join(secrets, file), 'utf8').trim();
  const [, payload = ''] = token.split('.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('deploy/compose/bootstrap.sh', () => {
  it('creates a secret once and mints an admin token and one token per service', async () => {
    const out = await bootstrap();
    expect(out).toContain('generated a new registry JWT secret');
    const secret = readFileSync(join(secrets, 'registry-jwt-secret'), 'utf8');
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(claims('admin.token')).toMatchObject({ role: 'admin' });
    expect(claims('orders.token')).toMatchObject({ role: 'service', service: 'orders' });
    expect(claims('users.token')).toMatchObject({ role: 'service', service: 'users' });
    // Readable by the other containers' non-root users (the volume is mounted read-only there).
    expect(statSync(join(secrets, 'admin.token')).mode & 0o044).toBe(0o044);
  });

  it('keeps the secret on the next run and mints tokens for TOKEN_TTL', async () => {
    await bootstrap();
    const secret = readFileSync(join(secrets, 'registry-jwt-secret'), 'utf8');
    const out = await bootstrap({ TOKEN_TTL: '2d' });
    expect(out).not.toContain('generated');
    expect(readFileSync(join(secrets, 'registry-jwt-secret'), 'utf8')).toBe(secret);
    const { iat, exp } = claims('orders.token') as { iat: number; exp: number };
    expect(exp - iat).toBe(2 * 86_400);
  });

  it('fails, leaving no half-written token, when the CLI refuses', async () => {
    await expect(bootstrap({ SERVICES: 'Not_A_Name' })).rejects.toThrow(/not a service name/);
    expect(readdirSync(secrets).sort()).toEqual(['admin.token', 'registry-jwt-secret']);
  });
});
