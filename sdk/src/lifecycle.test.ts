import {
  decidePause,
  decideResume,
  holdRemainingMs,
  shouldSendDrainMark,
  stateWhileResuming,
  type PauseDecision,
  type RegistrationState,
  type ResumeDecision,
} from './lifecycle';

describe('decidePause', () => {
  const cases: [RegistrationState, boolean, boolean, PauseDecision][] = [
    ['registering', false, false, { action: 'pause', markDraining: false }],
    ['registered', false, false, { action: 'pause', markDraining: false }],
    ['registered', true, false, { action: 'pause', markDraining: true }],
    ['reregistering', true, false, { action: 'pause', markDraining: true }],
    ['paused', false, false, { action: 'already-paused' }],
    ['paused', true, false, { action: 'mark' }],
    ['paused', true, true, { action: 'already-paused' }],
    // A pause never undoes a draining mark: only resume() does.
    ['paused', false, true, { action: 'already-paused' }],
    ['draining', true, false, { action: 'ignore' }],
    ['closed', false, false, { action: 'ignore' }],
    ['failed', true, false, { action: 'ignore' }],
  ];
  it.each(cases)('%s, drain %s, already marked %s → %j', (state, drain, marked, expected) => {
    expect(decidePause(state, drain, marked)).toEqual(expected);
  });

  it('ignores every pause once close() has begun', () => {
    for (const state of ['registered', 'paused'] as const) {
      expect(decidePause(state, true, false, true)).toEqual({ action: 'ignore' });
    }
  });
});

describe('decideResume', () => {
  const cases: [RegistrationState, boolean, ResumeDecision][] = [
    ['paused', false, 'resume'],
    ['paused', true, 'ignore'],
    ['registering', false, 'already-running'],
    ['registered', false, 'already-running'],
    ['reregistering', false, 'already-running'],
    ['draining', false, 'ignore'],
    ['closed', false, 'ignore'],
    ['failed', false, 'ignore'],
  ];
  it.each(cases)('%s, stopping %s → %s', (state, stopping, expected) => {
    expect(decideResume(state, stopping)).toBe(expected);
  });
});

describe('stateWhileResuming', () => {
  it('is registering until a first registration ever landed, reregistering after', () => {
    expect(stateWhileResuming(false)).toBe('registering');
    expect(stateWhileResuming(true)).toBe('reregistering');
  });
});

describe('shouldSendDrainMark', () => {
  it('marks only a registration that may exist, with a token that still works', () => {
    expect(shouldSendDrainMark(true, false)).toBe(true);
    expect(shouldSendDrainMark(false, false)).toBe(false);
    expect(shouldSendDrainMark(true, true)).toBe(false);
  });
});

describe('holdRemainingMs', () => {
  it('holds for holdMs counted from the confirmed mark', () => {
    expect(holdRemainingMs(1_000, 5_000, 1_000)).toBe(5_000);
    expect(holdRemainingMs(1_000, 5_000, 4_000)).toBe(2_000);
  });

  it('counts time already spent at weight 0 (an earlier pause) and never goes negative', () => {
    expect(holdRemainingMs(1_000, 5_000, 6_000)).toBe(0);
    expect(holdRemainingMs(1_000, 5_000, 60_000)).toBe(0);
  });

  it('holds nothing without a confirmed mark, or with holdMs 0', () => {
    expect(holdRemainingMs(undefined, 5_000, 1_000)).toBe(0);
    expect(holdRemainingMs(1_000, 0, 1_000)).toBe(0);
  });
});
