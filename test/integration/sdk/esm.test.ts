import { execFileSync } from 'node:child_process';
import { buildSdk, ROOT } from './build-sdk';

function runNode(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' }).trim();
}

describe('package entry points (built dist, as users load it)', () => {
  beforeAll(() => buildSdk());

  it('works from CommonJS with require()', () => {
    const keys = JSON.parse(
      runNode(['-e', "console.log(JSON.stringify(Object.keys(require('@kong-registry/sdk'))))"]),
    ) as string[];
    expect(keys).toEqual(
      expect.arrayContaining(['register', 'healthHandler', 'consumerFromHeaders', 'SdkError']),
    );
  });

  it('works from ESM with named imports, exposing every CommonJS export', () => {
    const script = [
      "import { register, healthHandler, consumerFromHeaders, SdkError, isSdkError } from '@kong-registry/sdk';",
      "import * as sdk from '@kong-registry/sdk';",
      "import { createRequire } from 'node:module';",
      "const cjs = createRequire(process.cwd() + '/')('@kong-registry/sdk');",
      'const missing = Object.keys(cjs).filter((k) => !(k in sdk));',
      'console.log(JSON.stringify({ types: [typeof register, typeof healthHandler, typeof consumerFromHeaders, typeof SdkError, typeof isSdkError], missing, same: sdk.register === cjs.register }));',
    ].join('\n');
    const result = JSON.parse(runNode(['--input-type=module', '-e', script])) as {
      types: string[];
      missing: string[];
      same: boolean;
    };
    expect(result).toEqual({
      types: ['function', 'function', 'function', 'function', 'function'],
      missing: [],
      same: true,
    });
  });
});
