/**
 * Renders one line a child process wrote into a short, readable log line. pino JSON lines
 * (registry, controller, kong-sim) and the examples' JSON lines become `HH:MM:SS LEVEL msg k=v`;
 * anything else (redis-server, Python tracebacks) passes through unchanged.
 */

const PINO_LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Fields every line carries that say nothing new once the line is prefixed with its process. */
const NOISE = new Set([
  'level',
  'time',
  'msg',
  'message',
  'pid',
  'hostname',
  'name',
  'v',
  'service',
]);

/** Longest rendering of one field value; the rest is cut with an ellipsis. */
const MAX_VALUE_CHARS = 80;
/** Longest rendering of a whole line. */
const MAX_LINE_CHARS = 240;

function levelName(level: unknown): string {
  if (typeof level === 'number') return PINO_LEVELS[level] ?? String(level);
  if (typeof level === 'string') return level.toUpperCase();
  return 'INFO';
}

function clock(time: unknown): string {
  const date =
    typeof time === 'number' || typeof time === 'string' ? new Date(time) : new Date(Number.NaN);
  const valid = Number.isNaN(date.getTime()) ? new Date() : date;
  return valid.toISOString().slice(11, 19);
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function renderValue(value: unknown): string {
  if (typeof value === 'string')
    return cut(/\s/.test(value) ? JSON.stringify(value) : value, MAX_VALUE_CHARS);
  return cut(JSON.stringify(value) ?? String(value), MAX_VALUE_CHARS);
}

/** The numeric severity of a rendered or raw level (for --quiet filtering). */
export function severityOf(level: string): number {
  const order = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
  const index = order.indexOf(level);
  return index < 0 ? 2 : index;
}

/** A parsed line: its level (INFO when unknown) and its short text. */
export interface FormattedLine {
  level: string;
  text: string;
}

/** Formats one output line of a child process; `fallbackLevel` applies to non-JSON lines. */
export function formatLogLine(line: string, fallbackLevel = 'INFO'): FormattedLine {
  const trimmed = line.trim();
  if (trimmed.startsWith('{') && trimmed.endsWith('}')) {
    try {
      const record = JSON.parse(trimmed) as Record<string, unknown>;
      const level = levelName(record.level);
      const msg = record.msg ?? record.message ?? '';
      const fields = Object.entries(record)
        .filter(([key]) => !NOISE.has(key))
        .map(([key, value]) => `${key}=${renderValue(value)}`);
      const parts = [clock(record.time), level.padEnd(5), String(msg), ...fields];
      const text = parts.filter((part) => part !== '').join(' ');
      return { level, text: cut(text, MAX_LINE_CHARS) };
    } catch {
      // Not JSON after all: shown as is.
    }
  }
  return { level: fallbackLevel, text: line };
}
