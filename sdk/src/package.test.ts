import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');

describe('the published package', () => {
  it('has no runtime dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.peerDependencies ?? {}).toEqual({});
  });

  it('imports only Node built-ins and its own files', () => {
    const sources = readdirSync(__dirname).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
    );
    const specifiers = sources.flatMap((file) =>
      [...readFileSync(join(__dirname, file), 'utf8').matchAll(/from '([^']+)'/g)].map(
        (m) => m[1] ?? '',
      ),
    );
    expect(specifiers.length).toBeGreaterThan(10);
    expect(specifiers.filter((s) => !s.startsWith('node:') && !s.startsWith('./'))).toEqual([]);
  });
});
