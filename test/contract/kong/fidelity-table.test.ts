/**
 * kong-sim/FIDELITY.md names, row by row, the test that holds kong-sim to each rule of Kong. This
 * keeps those names true: every named contract test file exists and holds a test of that title,
 * and every named unit test file exists (and holds the title, when one is given).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/** The Test column of every table row that names a test. */
function namedTests(): string[] {
  const text = readFileSync(join(ROOT, 'kong-sim', 'FIDELITY.md'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|\s*-/.test(line))
    .map((line) =>
      line
        .trim()
        .replace(/^\||\|$/g, '')
        .split('|')
        .at(-1)!
        .trim(),
    )
    .filter((cell) => cell.includes('›') || cell.startsWith('unit:'));
}

/** Source text with escapes removed, so a title matches however the file quotes it. */
const source = (path: string): string => readFileSync(path, 'utf8').replace(/\\/g, '');

describe('kong-sim/FIDELITY.md', () => {
  const cells = namedTests();

  it('names tests', () => {
    expect(cells.length).toBeGreaterThan(100);
  });

  it.each(cells)('%s exists', (cell) => {
    const unit = cell.startsWith('unit:');
    const [file, title] = cell
      .replace(/^unit:\s*/, '')
      .split('›')
      .map((part) => part.trim());
    const path = unit
      ? join(ROOT, 'kong-sim', 'src', file!)
      : join(ROOT, 'test', 'contract', 'kong', `${file!}.test.ts`);
    expect(existsSync(path)).toBe(true);
    if (title) expect(source(path)).toContain(title);
  });
});
