/** The demo's log sink for a terminal: `[name] line`, one colour per process, --quiet aware. */
import type { LogSink } from './child';
import { severityOf } from './log-format';

const COLOURS = [36, 33, 35, 32, 34, 91, 92, 93, 94, 95, 96];

/** A sink writing to `out`; with `quiet` only the demo's own lines and WARN and above pass. */
export function terminalSink(
  out: NodeJS.WritableStream & { isTTY?: boolean },
  { quiet }: { quiet: boolean },
): LogSink {
  const colourOf = new Map<string, number>();
  const width = 12;
  return (name, level, text) => {
    // The orchestrator's own progress lines always show; the processes' only from WARN when quiet.
    if (quiet && name !== 'demo' && severityOf(level) < severityOf('WARN')) return;
    let colour = colourOf.get(name);
    if (colour === undefined) {
      colour = COLOURS[colourOf.size % COLOURS.length]!;
      colourOf.set(name, colour);
    }
    const label = `[${name}]`.padEnd(width);
    out.write(out.isTTY ? `\x1b[${colour}m${label}\x1b[0m ${text}\n` : `${label} ${text}\n`);
  };
}
