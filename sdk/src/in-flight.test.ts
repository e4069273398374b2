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
