import { DEFAULT_RETRY_POLICY } from './backoff';
import { SdkError } from './errors';
import { decideAfterHeartbeatFailure } from './heartbeat-policy';

const policy = { ...DEFAULT_RETRY_POLICY, jitter: 0 };
const now = 100_000;
const alive = now + 10_000;

describe('decideAfterHeartbeatFailure', () => {
  it.each([
    [
      '401',
      new SdkError('SDK_ERR_UNAUTHORIZED', undefined, { statusCode: 401 }),
      { action: 'stop' },
    ],
    ['403', new SdkError('SDK_ERR_FORBIDDEN', undefined, { statusCode: 403 }), { action: 'stop' }],
    [
      '404 lease gone',
      new SdkError('SDK_ERR_REJECTED', undefined, {
        statusCode: 404,
        registryCode: 'REG_ERR_LEASE_NOT_FOUND',
      }),
      { action: 'reregister', reason: 'lease-not-found' },
    ],
    [
      '400',
      new SdkError('SDK_ERR_REJECTED', undefined, { statusCode: 400 }),
      { action: 'reregister', reason: 'rejected' },
    ],
    [
      'network error',
      new SdkError('SDK_ERR_REGISTRY_UNAVAILABLE'),
      { action: 'retry', delayMs: 500 },
    ],
    ['timeout', new SdkError('SDK_ERR_TIMEOUT'), { action: 'retry', delayMs: 500 }],
    [
      '503 with Retry-After 2 s',
      new SdkError('SDK_ERR_REGISTRY_UNAVAILABLE', undefined, {
        statusCode: 503,
        retryAfterMs: 2000,
      }),
      { action: 'retry', delayMs: 2000 },
    ],
  ])('%s on the first failure', (_name, error, expected) => {
    expect(decideAfterHeartbeatFailure(error, 1, now, alive, policy)).toEqual(expected);
  });

  it('backs off further on later failures but never past the end of the lease', () => {
    const error = new SdkError('SDK_ERR_REGISTRY_UNAVAILABLE');
    expect(decideAfterHeartbeatFailure(error, 3, now, alive, policy)).toEqual({
      action: 'retry',
      delayMs: 2000,
    });
    expect(decideAfterHeartbeatFailure(error, 6, now, alive, policy)).toEqual({
      action: 'retry',
      delayMs: 10_000,
    });
  });

  it('registers again once the lease has surely expired', () => {
    const error = new SdkError('SDK_ERR_REGISTRY_UNAVAILABLE');
    expect(decideAfterHeartbeatFailure(error, 4, alive, alive, policy)).toEqual({
      action: 'reregister',
      reason: 'lease-expired',
    });
  });
});
