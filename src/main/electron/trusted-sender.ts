/**
 * The IPC sender guard: main answers only frames that show our own renderer.
 * @remarks STYLE.md habit 11 (GitHub Desktop's isTrustedIPCSender): a positively named guard, unit-tested.
 */
import { pathToFileURL } from 'node:url';

export interface TrustedOrigins {
  /** The renderer's index.html on disk (production). */
  rendererFile: string;
  /** The Vite dev server URL when running `electron-vite dev`. */
  devServerUrl?: string | null;
}

/** True when `frameUrl` is our renderer page (same file, or the dev server's origin). */
export function isTrustedSender(frameUrl: string | null | undefined, trusted: TrustedOrigins): boolean {
  if (!frameUrl) return false;
  let url: URL;
  try {
    url = new URL(frameUrl);
  } catch {
    return false;
  }
  if (url.protocol === 'file:') {
    const expected = pathToFileURL(trusted.rendererFile);
    return url.pathname === expected.pathname && url.host === '';
  }
  if (trusted.devServerUrl) {
    try {
      const dev = new URL(trusted.devServerUrl);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === dev.origin;
    } catch {
      return false;
    }
  }
  return false;
}
