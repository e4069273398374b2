// The root Dockerfile, read statically (no Docker engine here; CI builds it in
// .github/workflows/e2e-real-kong.yml). Checks the promises in docs/deploy.md: two targets,
// multi-stage on node:20-bookworm-slim, production dependencies only, non-root, tini as PID 1,
// exec-form commands, a fetch-based HEALTHCHECK; and a .dockerignore that keeps secrets out.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { effective, expandArgs, parseDockerfile, stageChain, type Dockerfile } from './dockerfile';

const ROOT = join(__dirname, '..', '..', '..');
const dockerfile: Dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const stage = (name: string) => dockerfile.stages.find((s) => s.name === name)!;
const runs = (name: string) =>
  stage(name)
    .instructions.filter((i) => i.keyword === 'RUN')
    .map((i) => i.args);
const parseJsonArray = (text: string | undefined): unknown => JSON.parse(text ?? 'null');

describe('Dockerfile', () => {
  it('has build, prod-deps, runtime, examples, controller and registry stages on node:20-bookworm-slim', () => {
    expect(dockerfile.stages.map((s) => s.name)).toEqual([
      'build',
      'prod-deps',
      'runtime',
      'examples-build',
      'examples',
      'controller',
      'registry',
    ]);
    for (const name of ['build', 'prod-deps', 'runtime']) {
      expect(expandArgs(dockerfile, stage(name).from)).toBe('node:20-bookworm-slim');
    }
    expect(stage('controller').from).toBe('runtime');
    expect(stage('registry').from).toBe('runtime');
    // `docker build .` without --target builds the last stage: the registry.
    expect(dockerfile.stages.at(-1)?.name).toBe('registry');
  });

  it('builds with the full lockfile install and tsc, and installs only production deps for runtime', () => {
    expect(runs('build').join('\n')).toMatch(/npm ci --ignore-scripts/);
    expect(runs('build').join('\n')).toMatch(/npm run build/);
    expect(runs('prod-deps').join('\n')).toMatch(/npm ci --omit=dev --ignore-scripts/);
    const copies = stage('runtime')
      .instructions.filter((i) => i.keyword === 'COPY')
      .map((i) => i.args);
    expect(copies).toEqual(['--from=prod-deps /app/ ./', '--from=build /out/ ./']);
  });

  it('copies every workspace manifest before npm ci (the lockfile covers all of them)', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      workspaces: string[];
    };
    for (const name of ['build', 'prod-deps']) {
      const copies = stage(name)
        .instructions.filter((i) => i.keyword === 'COPY')
        .map((i) => i.args);
      for (const ws of manifest.workspaces) expect(copies).toContain(`${ws}/package.json ${ws}/`);
    }
  });

  it.each(['registry', 'controller'])(
    '%s target runs as a numeric non-root user under tini',
    (target) => {
      const user = effective(dockerfile, target, 'USER');
      expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
      expect(parseJsonArray(effective(dockerfile, target, 'ENTRYPOINT'))).toEqual([
        '/usr/bin/tini',
        '--',
        'node',
        '/app/cli/bin/kong-registry.js',
      ]);
      expect(runs('runtime').join('\n')).toMatch(/apt-get install -y --no-install-recommends tini/);
      expect(parseJsonArray(effective(dockerfile, target, 'CMD'))).toEqual([target]);
    },
  );

  it.each([
    ['registry', 'PORT', 4000],
    ['controller', 'METRICS_PORT', 4100],
  ])(
    '%s target has a fetch-based HEALTHCHECK on /healthz ($%s, default %d)',
    (target, variable, port) => {
      const healthcheck = effective(dockerfile, target, 'HEALTHCHECK') ?? '';
      const [, options = '', exec = ''] = healthcheck.match(/^(.*?)CMD\s+(\[.*\])$/) ?? [];
      expect(options).toMatch(/--interval=\S+/);
      expect(options).toMatch(/--timeout=\S+/);
      const [node, flag, script] = parseJsonArray(exec) as string[];
      expect([node, flag]).toEqual(['node', '-e']);
      expect(script).toContain(
        `fetch('http://127.0.0.1:'+(process.env.${variable}||${port})+'/healthz')`,
      );
      expect(effective(dockerfile, target, 'EXPOSE')).toBe(String(port));
      expect(effective(dockerfile, target, 'ENV')).toContain(`${variable}=${port}`);
    },
  );

  it('examples target runs an example service as non-root with a /health HEALTHCHECK', () => {
    expect(stage('examples-build').from).toBe('build');
    expect(runs('examples-build').join('\n')).toMatch(/npx tsc -b examples/);
    expect(effective(dockerfile, 'examples', 'USER')).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(parseJsonArray(effective(dockerfile, 'examples', 'ENTRYPOINT'))).toEqual([
      '/usr/bin/tini',
      '--',
    ]);
    expect(parseJsonArray(effective(dockerfile, 'examples', 'CMD'))).toEqual([
      'node',
      'examples/orders/dist/main.js',
    ]);
    expect(effective(dockerfile, 'examples', 'HEALTHCHECK')).toContain(
      "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health')",
    );
  });

  it('listens on 0.0.0.0 in containers and never ships curl or dev tools', () => {
    expect(stageChain(dockerfile, 'registry').map((s) => s.name)).toEqual(['registry', 'runtime']);
    expect(effective(dockerfile, 'runtime', 'ENV')).toMatch(/HOST=0\.0\.0\.0/);
    expect(effective(dockerfile, 'runtime', 'ENV')).toMatch(/NODE_ENV=production/);
    expect(runs('runtime').join('\n')).not.toMatch(/\bcurl\b|\bwget\b/);
  });
});

describe('.dockerignore', () => {
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

  it('keeps local installs, build output, git and env files out of the build context', () => {
    expect(ignored).toEqual(
      expect.arrayContaining([
        '.git',
        '**/node_modules',
        '**/dist',
        '**/*.tsbuildinfo',
        '.env',
        '.env.*',
      ]),
    );
  });

  it('does not exclude what the image build copies', () => {
    const copied = [
      'package.json',
      'package-lock.json',
      'tsconfig.base.json',
      'tsconfig.build.json',
      'registry',
      'cli',
      'examples',
    ];
    expect(ignored.filter((pattern) => copied.includes(pattern))).toEqual([]);
  });
});
