/**
 * Figures the reliability suites measure (inputs tried, requests failed, recovery times...).
 * Each test appends one JSON line to KR_FIGURES_FILE when set, so a run can be summed up for
 * docs/RELIABILITY.md; without it the figures go nowhere and tests stay quiet.
 */
import { appendFileSync } from 'node:fs';

/** Every figure recorded in this test process, in order (a soak scenario's report reads them). */
export const recordedFigures: { suite: string; name: string; value: number | string }[] = [];

/** Records one measured figure under `suite` / `name`. */
export function recordFigure(suite: string, name: string, value: number | string): void {
  recordedFigures.push({ suite, name, value });
  const file = process.env.KR_FIGURES_FILE;
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ suite, name, value, at: new Date().toISOString() })}\n`);
}
