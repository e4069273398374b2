/**
 * Where a soak scenario's report goes: a Markdown table and the raw JSON, written to
 * KR_SOAK_REPORT_DIR (set by `npm run soak`, which prints the Markdown at the end) or, without
 * it, to a folder under the system's temp directory, named in the test output.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

/** The machine and the code a run measured, for the report's header. */
export interface RunContext {
  startedAt: string;
  commit: string;
  /** True when the working tree had changes the commit does not hold. */
  dirty: boolean;
  node: string;
  cores: number;
  cpu: string;
  /** 1-minute load average when the run started and when it ended. */
  loadBefore: number;
  loadAfter?: number;
}

const git = (args: string[]): string => {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
};

/** The context of a run starting now. */
export function runContext(): RunContext {
  return {
    startedAt: new Date().toISOString(),
    commit: git(['rev-parse', '--short', 'HEAD']).trim() || 'unknown',
    dirty: git(['status', '--porcelain', '--untracked-files=no']).trim() !== '',
    node: process.version,
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    loadBefore: Math.round(loadavg()[0]! * 10) / 10,
  };
}

/** Closes the context when the run ends. */
export function endContext(context: RunContext): RunContext {
  return { ...context, loadAfter: Math.round(loadavg()[0]! * 10) / 10 };
}

/** The header line of a report. */
export function contextLine(c: RunContext): string {
  return (
    `Run ${c.startedAt} on ${c.cpu} x ${c.cores}, Node ${c.node}, commit ${c.commit}` +
    `${c.dirty ? ' (with uncommitted changes in the tree)' : ''}; 1-min load average ` +
    `${c.loadBefore} before, ${c.loadAfter ?? '?'} after.`
  );
}

/** Writes `<name>.md` and `<name>.json`; returns the Markdown's path. */
export function writeReport(name: string, markdown: string, raw: unknown): string {
  const dir = process.env.KR_SOAK_REPORT_DIR ?? join(tmpdir(), 'kong-registry-soak');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.md`);
  writeFileSync(path, markdown);
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(raw, null, 2)}\n`);
  return path;
}

/** A Markdown table. */
export function table(head: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}
