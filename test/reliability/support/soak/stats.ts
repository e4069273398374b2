/**
 * Numbers of the soak runs: a latency histogram that stays the same size however long the run
 * (geometric buckets, 1 % wide), and the least-squares slope of a series with its uncertainty,
 * which is how memory growth is told apart from a garbage collector's sawtooth.
 */

/** Latencies in ms, in buckets 1 % wide from 0.05 ms to 2 min: percentiles within 1 %. */
export class LatencyHistogram {
  private static readonly MIN_MS = 0.05;
  private static readonly RATIO = 1.01;
  private static readonly SIZE =
    Math.ceil(Math.log(120_000 / LatencyHistogram.MIN_MS) / Math.log(LatencyHistogram.RATIO)) + 1;
  private readonly counts = new Float64Array(LatencyHistogram.SIZE);
  count = 0;
  max = 0;

  record(ms: number): void {
    const { MIN_MS, RATIO, SIZE } = LatencyHistogram;
    const at = ms <= MIN_MS ? 0 : Math.ceil(Math.log(ms / MIN_MS) / Math.log(RATIO));
    this.counts[Math.min(SIZE - 1, at)]! += 1;
    this.count += 1;
    if (ms > this.max) this.max = ms;
  }

  /** The p-th percentile (0..100): the upper edge of its bucket, the maximum for p = 100. */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    if (p >= 100) return this.max;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i += 1) {
      seen += this.counts[i]!;
      if (seen >= rank)
        return Math.min(this.max, LatencyHistogram.MIN_MS * LatencyHistogram.RATIO ** i);
    }
    return this.max;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.max = 0;
  }
}

/** A fitted line y = intercept + slope * x, with the spread of the points around it. */
export interface Trend {
  slope: number;
  /** Half-width of the slope's 95 % confidence interval (t ~ 2 for the sample sizes used). */
  slopeCi95: number;
  intercept: number;
  /** Standard deviation of the points around the line: the noise. */
  residualSd: number;
  points: number;
}

/** Ordinary least squares over (x, y) pairs; NaN figures below 3 points. */
export function trend(xs: readonly number[], ys: readonly number[]): Trend {
  const n = Math.min(xs.length, ys.length);
  if (n < 3) return { slope: NaN, slopeCi95: NaN, intercept: NaN, residualSd: NaN, points: n };
  const mean = (v: readonly number[]) => v.slice(0, n).reduce((a, b) => a + b, 0) / n;
  const mx = mean(xs);
  const my = mean(ys);
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i += 1) {
    sxx += (xs[i]! - mx) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i += 1) sse += (ys[i]! - (intercept + slope * xs[i]!)) ** 2;
  const residualSd = Math.sqrt(sse / (n - 2));
  const slopeSe = sxx === 0 ? 0 : residualSd / Math.sqrt(sxx);
  return { slope, slopeCi95: 2 * slopeSe, intercept, residualSd, points: n };
}

/**
 * Whether a series grew beyond its noise over the fitted span: the slope's 95 % interval lies
 * above zero and the growth it implies over the span exceeds twice the noise.
 */
export function growsBeyondNoise(fit: Trend, spanX: number): boolean {
  if (!Number.isFinite(fit.slope)) return false;
  return fit.slope - fit.slopeCi95 > 0 && fit.slope * spanX > 2 * fit.residualSd;
}

/** `n` rounded to `digits` decimals. */
export const round = (n: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};
