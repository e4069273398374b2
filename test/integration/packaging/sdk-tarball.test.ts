/**
 * The SDK as a service in another repository gets it: `npm pack` of the workspace, installed from
 * the tarball into an empty project, then the README's quickstart run there as ESM and as
 * CommonJS against a real registry. The tarball holds what it needs and nothing else.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningRegistry } from '@kong-registry/registry';
import { startTestRegistry, stopTestRegistry } from '../examples/child-process';
import { freePort } from '../../helpers/ports';
import { spawnCaptured } from '../../helpers/process';
import { waitFor } from '../../helpers/wait';

const ROOT = join(__dirname, '..', '..', '..');
const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** The README's quickstart block: the first ```js block after the `quickstart` marker. */
function quickstart(): string {
  const readme = readFileSync(join(ROOT, 'sdk', 'README.md'), 'utf8');
  const block = /<!-- quickstart[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('sdk/README.md has no quickstart block');
  return block;
}

/** The same program as CommonJS: require() for the imports, the rest in an async function. */
function asCommonJs(esm: string): string {
  const lines = esm.split('\n');
  const imports = lines.filter((l) => l.startsWith('import '));
  const body = lines.filter((l) => !l.startsWith('import '));
  const requires = imports.map((l) =>
    l.replace(/^import (\{[^}]+\}) from ('[^']+');$/, 'const $1 = require($2);'),
  );
  return [...requires, '(async () => {', ...body, '})();', ''].join('\n');
}

describe('the SDK installed from its tarball in an empty project', () => {
  let work: string;
  let tarball: string;
  let files: string[];
  let registry: RunningRegistry;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kr-sdk-tarball-'));
    const [packed] = JSON.parse(
      npm(['pack', '-w', '@kong-registry/sdk', '--json', '--pack-destination', work], ROOT),
    ) as { filename: string; files: { path: string }[] }[];
    tarball = join(work, packed!.filename);
    files = packed!.files.map((f) => f.path);
    const project = join(work, 'service');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), '{ "name": "a-service", "private": true }\n');
    // No dependencies: nothing but the tarball is fetched, so this works offline.
    npm(['install', tarball, '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], project);
    writeFileSync(join(project, 'app.mjs'), quickstart());
    writeFileSync(join(project, 'app.cjs'), asCommonJs(quickstart()));
    registry = await startTestRegistry('sdk-tarball');
  }, 120_000);

  afterAll(async () => {
    await stopTestRegistry(registry);
    rmSync(work, { recursive: true, force: true });
  });

  it('holds the compiled code, its types and the README, and no build info, maps or tests', () => {
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md']));
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts']));
    expect(
      files.filter((f) => /tsbuildinfo|\.map$|\.test\.|__tests__|(^|\/)src\//.test(f)),
    ).toEqual([]);
    expect(files.every((f) => f.endsWith('.js') || f.endsWith('.d.ts') || !f.includes('/'))).toBe(
      true,
    );
  });

  it.each(['app.mjs', 'app.cjs'])(
    "runs the README's quickstart (%s): registers, then drains and deregisters on SIGTERM",
    async (file) => {
      const port = await freePort();
      const { child, stdout, stderr, exited } = spawnCaptured(process.execPath, [file], {
        cwd: join(work, 'service'),
        env: {
          PATH: process.env.PATH ?? '',
          PORT: String(port),
          HOST: '127.0.0.1',
          REGISTRY_URL: registry.url,
          REGISTRY_TOKEN: registry.mintToken({ role: 'service', service: 'hello' }),
        },
      });
      try {
        const instanceId = await waitFor(() => /registered as (\S+)/.exec(stdout())?.[1], {
          timeoutMs: 15_000,
          what: `the quickstart registered\n${stderr()}`,
        });
        const service = await fetch(`${registry.url}/v1/services/hello`, {
          headers: { authorization: `Bearer ${registry.adminToken ?? ''}` },
        });
        const body = (await service.json()) as {
          instances: { instanceId: string; port: number }[];
        };
        expect(body.instances).toContainEqual(expect.objectContaining({ instanceId, port }));
        expect(await (await fetch(`http://127.0.0.1:${port}/health`)).text()).toContain('ok');

        child.kill('SIGTERM');
        expect(await exited).toBe(0);
        const after = await fetch(`${registry.url}/v1/services/hello`, {
          headers: { authorization: `Bearer ${registry.adminToken ?? ''}` },
        });
        const left = after.status === 404 ? [] : ((await after.json()) as typeof body).instances;
        expect(left.map((i) => i.instanceId)).not.toContain(instanceId);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
    30_000,
  );
});
