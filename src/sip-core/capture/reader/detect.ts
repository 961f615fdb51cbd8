/**
 * Capture format detection by magic number — never by file extension
 * (`ndpi__http_on_sip_port.pcap` is really pcapng).
 */

export type DetectedFormat =
  | { kind: 'pcap'; littleEndian: boolean; nanoseconds: boolean }
  | { kind: 'pcapng' }
  | { kind: 'gzip' }
  /** Microsoft Network Monitor 2.x (`GMBU`). */
  | { kind: 'netmon' }
  /** A known capture or archive format we do not read: `name` is shown to the user. */
  | { kind: 'refused'; name: string }
  /** Not a capture at all (e.g. raw SIP text), or too short to tell. */
  | { kind: 'unknown' };

const u32be = (b: Uint8Array, o: number): number =>
  ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

const ascii = (b: Uint8Array, o: number, s: string): boolean => {
  if (b.length < o + s.length) return false;
  for (let i = 0; i < s.length; i++) if (b[o + i] !== s.charCodeAt(i)) return false;
  return true;
};

/** Known non-pcap formats, refused with their name (libpcap/wiretap magic numbers). */
const REFUSED: ReadonlyArray<{ magic: string | number; name: string }> = [
  { magic: 'RTSS', name: 'Microsoft Network Monitor 1.x (NetMon .cap)' },
  { magic: 'snoop\0\0\0', name: 'Sun snoop (RFC 1761)' },
  { magic: 'TRSNIFF data', name: 'Network General Sniffer' },
  { magic: 'XCP\0', name: 'NetXRay / Windows Sniffer' },
  { magic: '\x7fELF', name: 'an ELF executable' },
  { magic: 'PK\x03\x04', name: 'a ZIP archive (unzip it first)' },
  { magic: 'BZh', name: 'a bzip2 archive (decompress it first)' },
  { magic: '\xfd7zXZ\0', name: 'an xz archive (decompress it first)' },
  { magic: 0x28b52ffd, name: 'a zstd archive (decompress it first)' },
  { magic: 0xa1b2cd34, name: 'modified (Kuznetzov) libpcap' },
  { magic: 0x34cdb2a1, name: 'modified (Kuznetzov) libpcap' },
  { magic: 0xa1b234cd, name: 'Nokia libpcap' },
  { magic: 0x4c524546, name: 'Endace ERF' },
];

/** Detects the capture format from the first bytes (16 are enough). */
export function detectFormat(head: Uint8Array): DetectedFormat {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return { kind: 'gzip' };
  if (head.length < 4) return { kind: 'unknown' };
  const m = u32be(head, 0);
  switch (m) {
    case 0xa1b2c3d4:
      return { kind: 'pcap', littleEndian: false, nanoseconds: false };
    case 0xd4c3b2a1:
      return { kind: 'pcap', littleEndian: true, nanoseconds: false };
    case 0xa1b23c4d:
      return { kind: 'pcap', littleEndian: false, nanoseconds: true };
    case 0x4d3cb2a1:
      return { kind: 'pcap', littleEndian: true, nanoseconds: true };
    case 0x0a0d0d0a:
      return { kind: 'pcapng' };
    case 0x474d4255: // 'GMBU'
      return { kind: 'netmon' };
  }
  for (const r of REFUSED) {
    if (typeof r.magic === 'number' ? m === r.magic : ascii(head, 0, r.magic)) {
      return { kind: 'refused', name: r.name };
    }
  }
  return { kind: 'unknown' };
}
