import { describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { isTrustedSender } from '../../src/main/electron/trusted-sender';

const rendererFile = '/opt/sipscope/out/renderer/index.html';
const ours = pathToFileURL(rendererFile).href;

describe('isTrustedSender: main answers IPC only from our renderer', () => {
  it('trusts our renderer file, with or without a hash or query', () => {
    expect(isTrustedSender(ours, { rendererFile })).toBe(true);
    expect(isTrustedSender(`${ours}#/calls`, { rendererFile })).toBe(true);
    expect(isTrustedSender(`${ours}?x=1`, { rendererFile })).toBe(true);
  });
  it('does not trust other files, remote pages, or missing URLs', () => {
    expect(isTrustedSender('file:///tmp/evil.html', { rendererFile })).toBe(false);
    expect(isTrustedSender('file://host/opt/sipscope/out/renderer/index.html', { rendererFile })).toBe(false);
    expect(isTrustedSender('https://example.com/', { rendererFile })).toBe(false);
    expect(isTrustedSender('http://localhost:5173/', { rendererFile })).toBe(false);
    expect(isTrustedSender('', { rendererFile })).toBe(false);
    expect(isTrustedSender(undefined, { rendererFile })).toBe(false);
    expect(isTrustedSender('not a url', { rendererFile })).toBe(false);
    expect(isTrustedSender('data:text/html,hi', { rendererFile })).toBe(false);
  });
  it('trusts the dev server only when one is configured, and only its origin', () => {
    const devServerUrl = 'http://localhost:5173';
    expect(isTrustedSender('http://localhost:5173/index.html', { rendererFile, devServerUrl })).toBe(true);
    expect(isTrustedSender('http://localhost:5174/', { rendererFile, devServerUrl })).toBe(false);
    expect(isTrustedSender('http://evil.localhost:5173/', { rendererFile, devServerUrl })).toBe(false);
  });
});
