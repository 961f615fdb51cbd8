/**
 * The peers' stop: a peer whose main process ignores SIGTERM and whose worker (like Kamailio's
 * forked children) holds its output pipes must still stop, with nothing of its group left.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnPeer, workDir } from './helpers/run-peers';

/** Running (not gone, not a zombie waiting for a reaper). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('spawnPeer().stop', () => {
  it('stops a peer that ignores SIGTERM and whose forked worker holds its pipes', async () => {
    const p = spawnPeer(
      'stubborn',
      '/bin/sh',
      ['-c', 'trap "" TERM; sleep 60 & echo worker $!; wait'],
      workDir('stop'),
    );
    await new Promise<void>((res) => {
      const t = setInterval(() => {
        if (/worker \d+/.test(p.output())) {
          clearInterval(t);
          res();
        }
      }, 20);
    });
    const worker = Number(/worker (\d+)/.exec(p.output())![1]);
    expect(alive(worker)).toBe(true);
    const t0 = Date.now();
    await p.stop();
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(p.child.exitCode !== null || p.child.signalCode !== null).toBe(true);
    // The worker (in the peer's process group) is gone too.
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(worker)).toBe(false);
    await p.stop(); // idempotent
  }, 15_000);
});
