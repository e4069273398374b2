/** The soak's numbers (support/soak/stats.ts): what the reported percentiles and slopes rest on. */
import { growsBeyondNoise, LatencyHistogram, trend } from './support/soak/stats';

describe('soak statistics', () => {
  it('histogram percentiles land within 1 % of the exact ones', () => {
    const histogram = new LatencyHistogram();
    const values = Array.from({ length: 10_000 }, (_, i) => 0.1 + (i % 1000) * 0.37);
    for (const v of values) histogram.record(v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const p of [50, 90, 99, 99.9]) {
      const exact = sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
      expect(Math.abs(histogram.percentile(p) - exact) / exact).toBeLessThanOrEqual(0.01);
    }
    expect(histogram.percentile(100)).toBe(Math.max(...values));
    histogram.reset();
    expect(histogram.count).toBe(0);
    expect(histogram.percentile(99)).toBeNaN();
  });

  it('a flat sawtooth is flat; a steady climb under the same noise grows', () => {
    const hours = Array.from({ length: 180 }, (_, i) => i / 360); // every 10 s for 30 min
    const sawtooth = hours.map((_, i) => 100 + (i % 12) * 2); // GC pattern, 0..22 MB
    const flat = trend(hours, sawtooth);
    expect(Math.abs(flat.slope)).toBeLessThan(flat.slopeCi95 + 5);
    expect(growsBeyondNoise(flat, 0.5)).toBe(false);

    const climbing = trend(
      hours,
      sawtooth.map((v, i) => v + hours[i]! * 100), // +100 MB/h
    );
    expect(climbing.slope).toBeGreaterThan(80);
    expect(climbing.slope).toBeLessThan(120);
    expect(growsBeyondNoise(climbing, 0.5)).toBe(true);
  });

  it('an exact line has no noise', () => {
    const fit = trend([0, 1, 2, 3], [1, 3, 5, 7]);
    expect(fit).toMatchObject({ slope: 2, intercept: 1, residualSd: 0, points: 4 });
    expect(trend([0, 1], [0, 1]).slope).toBeNaN();
  });
});
