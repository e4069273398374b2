import {
  DEFAULT_UPSTREAM,
  resolveUpstream,
  upstreamFieldRule,
  upstreamProblems,
  upstreamSettings,
  UPSTREAM_RETRIES_RANGE,
  UPSTREAM_TIMEOUT_MS_RANGE,
} from './upstream-settings';

describe('upstream settings (Kong timeouts and retries)', () => {
  it("has Kong 3.9.3's bounds and defaults (kong/db/schema/entities/services.lua)", () => {
    expect(UPSTREAM_TIMEOUT_MS_RANGE).toEqual({ min: 1, max: 2_147_483_646 });
    expect(UPSTREAM_RETRIES_RANGE).toEqual({ min: 0, max: 32_767 });
    expect(DEFAULT_UPSTREAM).toEqual({
      connectTimeoutMs: 60_000,
      readTimeoutMs: 60_000,
      writeTimeoutMs: 60_000,
      retries: 5,
    });
  });

  it('accepts each bound itself and nothing past it', () => {
    expect(
      upstreamProblems({
        connectTimeoutMs: 1,
        readTimeoutMs: 2_147_483_646,
        writeTimeoutMs: 500,
        retries: 0,
      }),
    ).toEqual([]);
    expect(upstreamProblems({ retries: 32_767 })).toEqual([]);
    expect(upstreamProblems({})).toEqual([]);
    expect(
      upstreamProblems({
        connectTimeoutMs: 0,
        readTimeoutMs: 2_147_483_647,
        writeTimeoutMs: 1.5,
        retries: 32_768,
      }),
    ).toEqual([
      {
        path: 'upstream.connectTimeoutMs',
        message: "an integer of milliseconds from 1 to 2147483646 (Kong's connect_timeout)",
      },
      {
        path: 'upstream.readTimeoutMs',
        message: "an integer of milliseconds from 1 to 2147483646 (Kong's read_timeout)",
      },
      {
        path: 'upstream.writeTimeoutMs',
        message: "an integer of milliseconds from 1 to 2147483646 (Kong's write_timeout)",
      },
      { path: 'upstream.retries', message: "an integer from 0 to 32767 (Kong's retries)" },
    ]);
    expect(upstreamProblems({ retries: -1 })).toEqual([
      { path: 'upstream.retries', message: upstreamFieldRule('retries') },
    ]);
    expect(upstreamProblems({ connectTimeoutMs: '5000' })).toHaveLength(1);
  });

  it('refuses what is not an object of the four settings', () => {
    expect(upstreamProblems(null)).toEqual([{ path: 'upstream', message: expect.any(String) }]);
    expect(upstreamProblems([5])).toEqual([{ path: 'upstream', message: expect.any(String) }]);
    expect(upstreamProblems({ timeout: 5 }).map((p) => p.path)).toEqual(['upstream.timeout']);
  });

  it("fills Kong's default into every setting left out, in contract order", () => {
    const resolved = resolveUpstream({ retries: 0, connectTimeoutMs: 2000 });
    expect(resolved).toEqual({
      connectTimeoutMs: 2000,
      readTimeoutMs: 60_000,
      writeTimeoutMs: 60_000,
      retries: 0,
    });
    expect(Object.keys(resolved)).toEqual([
      'connectTimeoutMs',
      'readTimeoutMs',
      'writeTimeoutMs',
      'retries',
    ]);
    // A definition without them (stored before they existed, or that never set them): Kong's defaults.
    expect(upstreamSettings({})).toEqual(DEFAULT_UPSTREAM);
    expect(upstreamSettings({ upstream: resolved })).toEqual(resolved);
  });
});
