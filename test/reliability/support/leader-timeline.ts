/**
 * Who leads, sampled every 50 ms through a fault: the hand-overs and the longest time without a
 * leader, read from the samples rather than from log lines.
 */

/** One change of leadership: `leader` is a controller id, `a+b` for two, or `none`. */
export interface LeaderSample {
  at: number;
  leader: string;
}

/** What a timeline shows. */
export interface LeaderTimelineSummary {
  /** Longest span without a leader (ms). */
  leaderlessMs: number;
  /** Times the lead passed to another controller (a gap without a leader in between or not). */
  handovers: number;
}

/** Summarises samples in time order, the last one marking the end of the run. */
export function summariseLeaderTimeline(samples: readonly LeaderSample[]): LeaderTimelineSummary {
  let leaderlessMs = 0;
  let handovers = 0;
  let last = samples[0]?.leader ?? 'none';
  for (let i = 0; i + 1 < samples.length; i += 1) {
    const { at, leader } = samples[i]!;
    if (leader === 'none') leaderlessMs = Math.max(leaderlessMs, samples[i + 1]!.at - at);
    else if (leader !== last) handovers += 1;
    if (leader !== 'none') last = leader;
  }
  return { leaderlessMs, handovers };
}

/** A running sampler. */
export interface LeaderTimeline {
  /** Stops sampling, adds the closing sample and returns every change seen. */
  stop(): LeaderSample[];
}

/** Samples `leader()` every `everyMs` and keeps each change. */
export function sampleLeaders(leader: () => string, everyMs = 50): LeaderTimeline {
  const samples: LeaderSample[] = [{ at: Date.now(), leader: leader() }];
  const timer = setInterval(() => {
    const now = leader();
    if (now !== samples[samples.length - 1]!.leader) samples.push({ at: Date.now(), leader: now });
  }, everyMs);
  let stopped = false;
  return {
    stop: () => {
      if (!stopped) {
        stopped = true;
        clearInterval(timer);
        samples.push({ at: Date.now(), leader: leader() });
      }
      return samples;
    },
  };
}
