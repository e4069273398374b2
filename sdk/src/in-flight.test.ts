import { EventEmitter } from 'node:events';
import { InFlightTracker } from './in-flight';

describe('InFlightTracker', () => {
  it('counts a response until finish or close, whichever comes first, once', () => {
    const tracker = new InFlightTracker();
    const res = new EventEmitter();
    tracker.track(res);
    expect(tracker.count).toBe(1);
    res.emit('finish');
    res.emit('close');
    expect(tracker.count).toBe(0);
  });

  it('ignores a second release of begin()', () => {
    const tracker = new InFlightTracker();
    const end = tracker.begin();
    tracker.begin();
    end();
    end();
    expect(tracker.count).toBe(1);
  });

  it('waitForIdle resolves true when the last request ends, false on timeout', async () => {
    const tracker = new InFlightTracker();
    await expect(tracker.waitForIdle(10)).resolves.toBe(true);
    const end = tracker.begin();
    const idle = tracker.waitForIdle(10_000);
    end();
    await expect(idle).resolves.toBe(true);
    tracker.begin();
    await expect(tracker.waitForIdle(5)).resolves.toBe(false);
  });
});

describe('InFlightTracker.waitForIdle with a cut signal', () => {
  it('ends the wait when cut aborts, telling whether anything is still in flight', async () => {
    const tracker = new InFlightTracker();
    const cut = new AbortController();
    tracker.begin();
    const idle = tracker.waitForIdle(60_000, cut.signal);
    cut.abort();
    await expect(idle).resolves.toBe(false);
    await expect(tracker.waitForIdle(60_000, cut.signal)).resolves.toBe(false);
  });

  it('still resolves true when the last request ends before the cut', async () => {
    const tracker = new InFlightTracker();
    const cut = new AbortController();
    const end = tracker.begin();
    const idle = tracker.waitForIdle(60_000, cut.signal);
    end();
    cut.abort();
    await expect(idle).resolves.toBe(true);
  });
});
