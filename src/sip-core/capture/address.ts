/**
 * Interned network addresses: each distinct IP address gets a small integer id, so per-message
 * records store two numbers instead of two strings. IPv6 is written per RFC 5952 (as tshark does).
 */

export function formatIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** RFC 5952 text form of the 16 bytes at `buf[o]`: lower case, longest zero run (≥2 groups) as `::`. */
export function formatIpv6(buf: Uint8Array, o: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((buf[o + 2 * i]! << 8) | buf[o + 2 * i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // IPv4-mapped ::ffff:a.b.c.d
  if (bestStart === 0 && bestLen === 5 && g[5] === 0xffff) {
    return `::ffff:${buf[o + 12]}.${buf[o + 13]}.${buf[o + 14]}.${buf[o + 15]}`;
  }
  const hex = (x: number): string => x.toString(16);
  if (bestStart < 0) return g.map(hex).join(':');
  const left = g.slice(0, bestStart).map(hex).join(':');
  const right = g
    .slice(bestStart + bestLen)
    .map(hex)
    .join(':');
  return `${left}::${right}`;
}

/** Formats `addr:port`, with IPv6 in brackets: `[::1]:5060`. */
export function formatHostPort(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** The number of a dotted-quad IPv4 address written as `formatIpv4` writes it, else -1. */
export function canonicalIpv4(text: string): number {
  let n = 0;
  let parts = 0;
  let i = 0;
  const len = text.length;
  while (parts < 4) {
    const s = i;
    let v = 0;
    while (i < len && i - s < 3) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      i++;
    }
    // no digits, a leading zero, or more than 255
    if (i === s || (i - s > 1 && text.charCodeAt(s) === 48) || v > 255) return -1;
    n = n * 256 + v;
    parts++;
    if (parts < 4) {
      if (text.charCodeAt(i) !== 46) return -1;
      i++;
    }
  }
  return i === len ? n : -1;
}

/** A 32-bit integer hash whose low bits depend on every input bit. */
function mix32(n: number): number {
  let h = Math.imul(n ^ (n >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return h ^ (h >>> 16);
}

export class AddressTable {
  /** Address text by id. */
  readonly names: string[] = [];
  readonly #byName = new Map<string, number>();

  /**
   * IPv4 address → id, open addressing over typed arrays (a capture of many endpoints has thousands
   * of addresses, and every packet looks up two): key + 1 per slot (0 = empty), id per slot.
   */
  #v4Keys = new Float64Array(4096);
  #v4Ids = new Int32Array(4096);
  #v4Count = 0;

  /** A small direct-mapped cache in front (address + 1, id): a proxy's address is in every packet. */
  readonly #hotKey = new Float64Array(256);
  readonly #hotId = new Int32Array(256);

  /** Id of an IPv4 address given as an unsigned 32-bit number. */
  v4(n: number): number {
    const hot = (n ^ (n >>> 8) ^ (n >>> 16)) & 255;
    if (this.#hotKey[hot] === n + 1) return this.#hotId[hot]!;
    const id = this.#v4Id(n);
    this.#hotKey[hot] = n + 1;
    this.#hotId[hot] = id;
    return id;
  }

  /** Id of an IPv4 address (unsigned 32-bit number) already in the table, or -1 (nothing added). */
  findV4(n: number): number {
    const i = this.#v4Slot(n);
    return this.#v4Keys[i] === n + 1 ? this.#v4Ids[i]! : -1;
  }

  /** The slot of IPv4 address `n`: where it is, or the empty slot where it would go. */
  #v4Slot(n: number): number {
    const keys = this.#v4Keys;
    const mask = keys.length - 1;
    const k = n + 1;
    let i = mix32(n | 0);
    for (;;) {
      i &= mask;
      const x = keys[i]!;
      if (x === k || x === 0) return i;
      i++;
    }
  }

  #v4Id(n: number): number {
    const i = this.#v4Slot(n);
    const keys = this.#v4Keys;
    const k = n + 1;
    if (keys[i] === k) return this.#v4Ids[i]!;
    // New address: its text needs no lookup by name (`name` sends IPv4 text here, see there).
    const id = this.names.length;
    this.names.push(formatIpv4(n));
    keys[i] = k;
    this.#v4Ids[i] = id;
    if (++this.#v4Count * 2 > keys.length) this.#v4Grow();
    return id;
  }

  #v4Grow(): void {
    const oldKeys = this.#v4Keys;
    const oldIds = this.#v4Ids;
    const keys = new Float64Array(oldKeys.length * 2);
    const ids = new Int32Array(keys.length);
    const mask = keys.length - 1;
    for (let j = 0; j < oldKeys.length; j++) {
      const k = oldKeys[j]!;
      if (k === 0) continue;
      let i = mix32((k - 1) | 0);
      for (;;) {
        i &= mask;
        if (keys[i] === 0) break;
        i++;
      }
      keys[i] = k;
      ids[i] = oldIds[j]!;
    }
    this.#v4Keys = keys;
    this.#v4Ids = ids;
  }

  /** Id of the IPv6 address at `buf[o..o+16)`. */
  v6(buf: Uint8Array, o: number): number {
    return this.name(formatIpv6(buf, o));
  }

  /**
   * Id of an address given as text. IPv4 text in its canonical form (what `formatIpv4` writes) is
   * looked up by number, so `v4` never needs a lookup by text; IPv6 text always holds a ':'.
   */
  name(text: string): number {
    const v4 = canonicalIpv4(text);
    if (v4 >= 0) return this.v4(v4);
    let id = this.#byName.get(text);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(text);
      this.#byName.set(text, id);
    }
    return id;
  }
}
