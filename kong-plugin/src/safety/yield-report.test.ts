import pino from 'pino';
import { Writable } from 'node:stream';
import type { YieldedPlugin } from '../plan/yields';
import { YieldReport } from './yield-report';

const yielded = (name: string, service?: string): YieldedPlugin => ({
  id: `id-${name}`,
  name,
  plugin: name.split('/')[1] ?? name,
  service,
  entity: { kind: 'plugin', id: 'hand', name: 'hand' },
});

function recorder() {
  const lines: string[] = [];
  const log = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(String(JSON.parse(chunk.toString()).msg));
        done();
      },
    }),
  );
  return { lines, log };
}

describe('YieldReport', () => {
  it('says once per node that a plugin gives way, again only after it stopped', () => {
    const report = new YieldReport();
    const { lines, log } = recorder();
    const global = yielded('global/prometheus');
    report.report('n1', [global], undefined, log);
    report.report('n1', [global], undefined, log);
    report.report('n2', [global], undefined, log);
    expect(lines).toEqual([
      'a hand-made prometheus plugin holds the global scope: ours is left out there',
      'a hand-made prometheus plugin holds the global scope: ours is left out there',
    ]);
    report.report('n1', [], undefined, log);
    report.report('n1', [global], undefined, log);
    expect(lines).toHaveLength(3);
  });

  it('keeps what a per-service reconcile cannot see', () => {
    const report = new YieldReport();
    const { lines, log } = recorder();
    const orders = yielded('orders/http-log', 'orders');
    const global = yielded('global/prometheus');
    report.report('n1', [orders, global], undefined, log);
    report.report('n1', [], ['users'], log);
    report.report('n1', [orders, global], undefined, log);
    expect(lines).toHaveLength(2);
    report.report('n1', [], ['orders'], log);
    report.report('n1', [orders], ['orders'], log);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe(
      'a hand-made http-log plugin holds service orders: ours is left out there',
    );
  });
});
