import { formatLogLine, severityOf } from './log-format';

describe('formatLogLine', () => {
  it('renders a pino line as time, level, message and the fields that matter', () => {
    const line = JSON.stringify({
      level: 30,
      time: Date.parse('2026-01-02T03:04:05.678Z'),
      pid: 42,
      hostname: 'h',
      name: 'kong-registry',
      msg: 'instance registered',
      instanceId: 'orders-1',
      revision: 7,
    });
    expect(formatLogLine(line)).toEqual({
      level: 'INFO',
      text: '03:04:05 INFO  instance registered instanceId=orders-1 revision=7',
    });
  });

  it('reads the examples’ string levels and ISO times, and quotes values with spaces', () => {
    const line = JSON.stringify({
      time: '2026-01-02T03:04:05.000Z',
      level: 'warn',
      service: 'orders',
      msg: 'registry problem',
      error: 'connect ECONNREFUSED 127.0.0.1:1',
    });
    expect(formatLogLine(line)).toEqual({
      level: 'WARN',
      text: '03:04:05 WARN  registry problem error="connect ECONNREFUSED 127.0.0.1:1"',
    });
  });

  it('passes other lines through unchanged, at the fallback level', () => {
    expect(formatLogLine('1234:M 25 Nov Ready to accept connections')).toEqual({
      level: 'INFO',
      text: '1234:M 25 Nov Ready to accept connections',
    });
    expect(formatLogLine('{not json}', 'WARN')).toEqual({ level: 'WARN', text: '{not json}' });
  });

  it('cuts long values and long lines', () => {
    const { text } = formatLogLine(
      JSON.stringify({ level: 30, time: 0, msg: 'm', big: 'x'.repeat(500) }),
    );
    expect(text.length).toBeLessThanOrEqual(240);
    expect(text).toContain('…');
  });
});

describe('severityOf', () => {
  it('orders levels so that --quiet can keep WARN and above', () => {
    expect(severityOf('ERROR')).toBeGreaterThan(severityOf('WARN'));
    expect(severityOf('INFO')).toBeLessThan(severityOf('WARN'));
    expect(severityOf('SOMETHING')).toBe(severityOf('INFO'));
  });
});
