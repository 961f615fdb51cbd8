/** Opens a URL in the user's desktop browser when there is a desktop to open it on. */
import { spawn } from 'node:child_process';

export function openInDesktopBrowser(url: string): boolean {
  const hasDesktop =
    process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
  if (!hasDesktop) {
    console.log(`(no desktop browser available here: open ${url} yourself)`);
    return false;
  }
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => console.log(`(could not start ${cmd}: open ${url} yourself)`));
    child.unref();
    return true;
  } catch {
    return false;
  }
}
