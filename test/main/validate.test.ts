import { describe, expect, it } from 'vitest';
import { ApiError, Invoke, INVOKE_CHANNELS } from '../../src/shared/api';
import { validateRequest } from '../../src/shared/validate';

function problem(channel: unknown, req: unknown): string | null {
  try {
    validateRequest(channel, req);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return (e as ApiError).code;
  }
}

describe('validateRequest: every invoke request is checked before the host acts', () => {
  it('rejects unknown channels', () => {
    expect(problem('fs:readFile', { path: '/etc/passwd' })).toBe('unknown-channel');
    expect(problem(42, null)).toBe('unknown-channel');
  });

  it('accepts the documented shapes', () => {
    expect(problem(Invoke.appInfo, null)).toBeNull();
    expect(problem(Invoke.captureOpenPath, { path: '/tmp/a.pcap' })).toBeNull();
    expect(problem(Invoke.messagesPage, { captureId: 'cap1', offset: 0, limit: 100 })).toBeNull();
    expect(
      problem(Invoke.messagesPage, { captureId: 'cap1', offset: 0, limit: 100, call: 'abc' }),
    ).toBeNull();
  });

  it.each([
    [Invoke.appInfo, { x: 1 }],
    [Invoke.captureOpenPath, {}],
    [Invoke.captureOpenPath, { path: 1 }],
    [Invoke.captureOpenPath, { path: '' }],
    [Invoke.captureOpenPath, { path: '/a', extra: true }],
    [Invoke.captureOpenPath, null],
    [Invoke.captureOpenPath, ['/a']],
    [Invoke.messagesPage, { captureId: 'c', offset: -1, limit: 10 }],
    [Invoke.messagesPage, { captureId: 'c', offset: 0.5, limit: 10 }],
    [Invoke.messagesPage, { captureId: 'c', offset: 0, limit: 1_000_000 }],
    [Invoke.messageGet, { captureId: 'c', id: '3' }],
    [Invoke.captureOpenPath, { path: 'x'.repeat(5000) }],
    [Invoke.callsQuery, { captureId: 'c', offset: 0, limit: 10, sort: 'password' }],
    [Invoke.callsQuery, { captureId: 'c', offset: 0, limit: 10, desc: 'yes' }],
  ])('rejects %s with %j', (channel, req) => {
    expect(problem(channel, req)).toBe('bad-request');
  });

  it('has a check for every channel of the contract', () => {
    for (const ch of INVOKE_CHANNELS) expect(() => validateRequest(ch, { bogus: true })).toThrow(ApiError);
  });
});
