import { SDK_ERROR_CODES, SdkError, isSdkError, toSdkError } from './errors';

describe('SdkError', () => {
  it('carries a stable code, the registry facts and an ES2022 cause', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new SdkError('SDK_ERR_REJECTED', 'nope', {
      statusCode: 409,
      registryCode: 'REG_ERR_X',
      cause,
    });
    expect(error).toMatchObject({
      name: 'SdkError',
      code: 'SDK_ERR_REJECTED',
      statusCode: 409,
      registryCode: 'REG_ERR_X',
    });
    expect(error.cause).toBe(cause);
    expect(error.retryable).toBe(false);
    expect(new SdkError('SDK_ERR_TIMEOUT').message).toBe(SDK_ERROR_CODES.SDK_ERR_TIMEOUT);
  });

  it('is retryable only for timeouts and an unavailable registry', () => {
    const retryable = (Object.keys(SDK_ERROR_CODES) as (keyof typeof SDK_ERROR_CODES)[]).filter(
      (code) => new SdkError(code).retryable,
    );
    expect(retryable.sort()).toEqual(['SDK_ERR_REGISTRY_UNAVAILABLE', 'SDK_ERR_TIMEOUT']);
  });

  it('is recognised by code, also when made by another copy of the SDK', () => {
    const foreign = Object.assign(new Error('x'), { code: 'SDK_ERR_FORBIDDEN' });
    expect(isSdkError(foreign)).toBe(true);
    expect(isSdkError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isSdkError('SDK_ERR_FORBIDDEN')).toBe(false);
  });

  it('wraps foreign errors, keeping them as cause', () => {
    const cause = new TypeError('fetch failed');
    const wrapped = toSdkError(cause);
    expect(wrapped.code).toBe('SDK_ERR_REGISTRY_UNAVAILABLE');
    expect(wrapped.message).toContain('fetch failed');
    expect(wrapped.cause).toBe(cause);
    const same = new SdkError('SDK_ERR_TIMEOUT');
    expect(toSdkError(same)).toBe(same);
  });
});
