/**
 * System peers (chromium, sipp, kamailio, rtpengine, tshark, sngrep...; gcc and libbcg729 for the G.729 reference,
 * libspandsp for the concealment's)
 * that tests run for real when installed.
 * Without the peer a test skips with a loud reason; under CI=true a missing peer is a failure.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export type PeerName =
  | 'chromium'
  | 'sipp'
  | 'kamailio'
  | 'rtpengine'
  | 'tshark'
  | 'sngrep'
  | 'editcap'
  | 'mergecap'
  | 'dumpcap'
  | 'sox'
  | 'ffmpeg'
  | 'openssl'
  | 'gcc'
  | 'libbcg729'
  | 'libspandsp'
  | 'libsrtp2';

const CANDIDATES: Record<PeerName, string[]> = {
  chromium: ['/usr/bin/chromium', '/usr/bin/chromium-browser'],
  sipp: ['/usr/bin/sipp'],
  kamailio: ['/usr/sbin/kamailio', '/usr/bin/kamailio'],
  // Debian's rtpengine-daemon (the media relay beside Kamailio), run in userspace by the test
  rtpengine: ['/usr/bin/rtpengine', '/usr/sbin/rtpengine'],
  tshark: ['/usr/bin/tshark'],
  sngrep: ['/usr/bin/sngrep'],
  editcap: ['/usr/bin/editcap'],
  mergecap: ['/usr/bin/mergecap'],
  dumpcap: ['/usr/bin/dumpcap'],
  sox: ['/usr/bin/sox'],
  ffmpeg: ['/usr/bin/ffmpeg'],
  openssl: ['/usr/bin/openssl'],
  gcc: ['/usr/bin/gcc', '/usr/bin/cc'],
  // A library, not a program (Debian's libbcg729-0, which Wireshark depends on).
  libbcg729: [
    '/usr/lib/x86_64-linux-gnu/libbcg729.so.0',
    '/usr/lib/aarch64-linux-gnu/libbcg729.so.0',
    '/usr/lib/libbcg729.so.0',
  ],
  // spandsp (Debian's libspandsp2, a sipp dependency): its G.711 Appendix I-style concealment.
  libspandsp: [
    '/usr/lib/x86_64-linux-gnu/libspandsp.so.2',
    '/usr/lib/aarch64-linux-gnu/libspandsp.so.2',
    '/usr/lib/libspandsp.so.2',
  ],
  // libsrtp2 (Debian's libsrtp2-dev: the header and libsrtp2.so): the SRTP reference of srtp.test.ts.
  libsrtp2: [
    '/usr/lib/x86_64-linux-gnu/libsrtp2.so',
    '/usr/lib/aarch64-linux-gnu/libsrtp2.so',
    '/usr/lib/libsrtp2.so',
  ],
};

const cache = new Map<PeerName, string | null>();

/** Absolute path of a peer binary, or null when it is not installed. */
export function findPeer(name: PeerName): string | null {
  if (cache.has(name)) return cache.get(name) ?? null;
  let found: string | null = CANDIDATES[name].find((p) => existsSync(p)) ?? null;
  if (!found) {
    try {
      found = execFileSync('which', [name], { encoding: 'utf8' }).trim() || null;
    } catch {
      found = null;
    }
  }
  cache.set(name, found);
  return found;
}

export const inCI = process.env.CI === 'true';

/**
 * Returns the peer path, or null after printing a loud skip reason. Under CI=true a missing peer throws,
 * so the suite fails instead of silently skipping.
 */
export function requirePeer(name: PeerName): string | null {
  const path = findPeer(name);
  if (path) return path;
  const reason = `peer "${name}" is not installed: tests that need it are SKIPPED (install the Debian package; .ci/run does)`;
  if (inCI) throw new Error(`CI=true and ${reason}`);
  console.warn(`\n*** ${reason} ***\n`);
  return null;
}
