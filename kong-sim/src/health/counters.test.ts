import {
  applyHealthEvent,
  classifyStatus,
  initialHealth,
  type HealthEvent,
  type HealthLimits,
} from './counters';

const limits: HealthLimits = { successes: 2, httpFailures: 3, tcpFailures: 1, timeouts: 2 };

function run(events: HealthEvent[], l: HealthLimits = limits, start = initialHealth()): boolean[] {
  const seen: boolean[] = [];
  let state = start;
  for (const event of events) {
    state = applyHealthEvent(state, event, l);
    seen.push(state.healthy);
  }
  return seen;
}

// Kong's rules: kong-sim/KONG_BEHAVIOUR.md#health-checker.
describe('health counters', () => {
  it('goes unhealthy after http_failures consecutive http failures', () => {
    expect(run(['http_failure', 'http_failure', 'http_failure'])).toEqual([true, true, false]);
  });

  it('a success in between resets the failure counter (consecutive)', () => {
    expect(
      run(['http_failure', 'http_failure', 'success', 'http_failure', 'http_failure']),
    ).toEqual([true, true, true, true, true]);
  });

  it('each failure kind has its own limit', () => {
    expect(run(['tcp_failure'])).toEqual([false]);
    expect(run(['timeout', 'timeout'])).toEqual([true, false]);
  });

  it('comes back after healthy.successes consecutive successes', () => {
    expect(
      run(['success', 'http_failure', 'success', 'success'], limits, initialHealth(false)),
    ).toEqual([false, false, false, true]);
  });

  it('a limit of 0 disables the counter and the event clears nothing', () => {
    const noSuccess = { ...limits, successes: 0 };
    expect(run(['http_failure', 'http_failure', 'success', 'http_failure'], noSuccess)).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(run(['success', 'success'], noSuccess, initialHealth(false))).toEqual([false, false]);
    const noHttp = { ...limits, httpFailures: 0 };
    expect(run(['http_failure', 'http_failure', 'http_failure', 'http_failure'], noHttp)).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });

  it('classifies statuses: healthy list, unhealthy list or unparsable, others ignored', () => {
    expect(classifyStatus(200, [200, 302], [500])).toBe('success');
    expect(classifyStatus(500, [200, 302], [500])).toBe('http_failure');
    expect(classifyStatus(null, [200, 302], [500])).toBe('http_failure');
    expect(classifyStatus(418, [200, 302], [500])).toBeUndefined();
  });
});
