import { lastLine } from './health-command';

it('keeps the last non-empty line of what a health command said', () => {
  expect(lastLine('checking...\nqueue depth 12000 > 10000\n\n')).toBe('queue depth 12000 > 10000');
  expect(lastLine('  only line  ')).toBe('only line');
  expect(lastLine('\n\n')).toBe('');
});
