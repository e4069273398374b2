/**
 * The demo orchestrator's process handling, with real child processes: output becomes prefixed,
 * short log lines; ready lines are awaited; stopping escalates to SIGKILL only after the grace
 * period; a start-up failure says what failed and leaves nothing running.
 */
// Direct module imports: these modules do not load the registry or the controller, so the file
// starts fast.
import { ManagedChild } from '../../cli/src/demo/child';
import { loadDemoConfig } from '../../cli/src/demo/config';
import { startRedisProcess } from '../../cli/src/demo/infra';

type Line = { name: string; level: string; text: string };

function collect(): { lines: Line[]; sink: (name: string, level: string, text: string) => void } {
  const lines: Line[] = [];
  return { lines, sink: (name, level, text) => lines.push({ name, level, text }) };
}

function nodeChild(script: string, sink: (name: string, level: string, text: string) => void) {
  return new ManagedChild(
    {
      name: 'child',
      command: process.execPath,
      args: ['-e', script],
      env: { PATH: process.env.PATH ?? '' },
    },
    sink,
  );
}

describe('ManagedChild', () => {
  it('renders pino lines short, passes plain lines through, and finds the ready line', async () => {
    const { lines, sink } = collect();
    const child = nodeChild(
      `console.log(JSON.stringify({level:40,time:0,msg:'careful',pid:1,hostname:'h',id:7}));
       console.error('plain text');
       setTimeout(() => console.log(JSON.stringify({ready:true,port:1234})), 100);
       setTimeout(() => {}, 60000);`,
      sink,
    );
    const ready = await child.waitForLine(
      (line, stream) =>
        stream === 'stdout' && line.includes('"ready"') ? JSON.parse(line) : undefined,
      10_000,
      'ready line',
    );
    expect(ready).toEqual({ ready: true, port: 1234 });
    expect(lines).toContainEqual({
      name: 'child',
      level: 'WARN',
      text: '00:00:00 WARN  careful id=7',
    });
    expect(lines).toContainEqual({ name: 'child', level: 'INFO', text: 'plain text' });
    expect(await child.stop(5000)).toBe('SIGTERM');
    expect(child.forced).toBe(false);
  });

  it('rejects a wait with the last output when the process exits first', async () => {
    const child = nodeChild(`console.error('boom: no config'); process.exit(3);`, collect().sink);
    await expect(child.waitForLine(() => undefined, 10_000, 'ready line')).rejects.toThrow(
      /exited \(3\) before ready line; last output:\nboom: no config/,
    );
  });

  it('escalates to SIGKILL after the grace period when SIGTERM is ignored', async () => {
    const child = nodeChild(
      `process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('up'); setInterval(() => {}, 1000);`,
      collect().sink,
    );
    await child.waitForLine((line) => (line === 'up' ? true : undefined), 10_000, 'up');
    expect(await child.stop(300)).toBe('SIGKILL');
    expect(child.forced).toBe(true);
    expect(child.tail()).toContain('ignoring SIGTERM');
  });
});

describe('start-up failures', () => {
  it('names the process that could not start, and why', async () => {
    const config = loadDemoConfig([], { PATH: '/nonexistent' });
    if (config === 'help') throw new Error('unexpected help');
    const { lines, sink } = collect();
    await expect(startRedisProcess(config, sink)).rejects.toThrow(/redis.*(ENOENT|redis-server)/s);
    expect(
      lines.some((l) => l.level === 'ERROR' && l.text.includes('could not start redis-server')),
    ).toBe(true);
  });
});
