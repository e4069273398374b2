import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { buildSdk, ROOT } from './build-sdk';

describe('the SDK never throws into the service', () => {
  beforeAll(() => buildSdk());

  it('survives refused tokens, a dead registry, closes mid-retry and throwing listeners (strict unhandled rejections)', async () => {
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        execFile(
          process.execPath,
          ['--unhandled-rejections=strict', join(__dirname, 'fixtures', 'robustness.mjs')],
          { cwd: ROOT, timeout: 20_000 },
          (error, stdout, stderr) =>
            resolve({ code: error ? (error.code as number | null) : 0, stdout, stderr }),
        );
      },
    );
    expect(result).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
  });
});
