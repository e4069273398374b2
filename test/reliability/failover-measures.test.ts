/**
 * What the failover suites read from their samples (support/leader-timeline.ts,
 * support/counting-proxy.ts): leadership hand-overs, time without a leader, overlapping writes
 * of two controllers and the pause of Kong writes around a fault.
 */
import { longestWritePause, overlappingWrites } from './support/counting-proxy';
import { summariseLeaderTimeline } from './support/leader-timeline';

describe('failover measures', () => {
  it('counts hand-overs across a leaderless gap and measures the longest gap', () => {
    const summary = summariseLeaderTimeline([
      { at: 0, leader: 'ctl-a' },
      { at: 1000, leader: 'none' },
      { at: 1400, leader: 'ctl-b' },
      { at: 5000, leader: 'none' },
      { at: 5100, leader: 'ctl-b' },
      { at: 9000, leader: 'ctl-a' },
      { at: 9500, leader: 'ctl-a' },
    ]);
    // a -> b after 400 ms without a leader, b keeps it over a 100 ms gap, then b -> a.
    expect(summary).toEqual({ leaderlessMs: 400, handovers: 2 });
  });

  it('a timeline with one leader throughout has no hand-over and no gap', () => {
    expect(
      summariseLeaderTimeline([
        { at: 0, leader: 'ctl-a' },
        { at: 10_000, leader: 'ctl-a' },
      ]),
    ).toEqual({ leaderlessMs: 0, handovers: 0 });
  });

  it('writes overlap only when their spans share time (touching ends do not)', () => {
    const a = [
      { start: 0, end: 10 },
      { start: 20, end: 30 },
    ];
    expect(overlappingWrites(a, [{ start: 10, end: 20 }])).toBe(0);
    expect(overlappingWrites(a, [{ start: 5, end: 25 }])).toBe(2);
    expect(overlappingWrites(a, [])).toBe(0);
  });

  it('the longest pause counts only gaps that reach into the window', () => {
    const spans = [0, 100, 2000, 2100, 9000].map((start) => ({ start }));
    // The 1,900 ms gap spans the window's start; the 6,900 ms one begins after its end.
    expect(longestWritePause(spans, 1000, 2050)).toBe(1900);
    expect(longestWritePause(spans, 2050, 9500)).toBe(6900);
    expect(longestWritePause(spans.slice(0, 1), 0, 100)).toBe(0);
  });
});
