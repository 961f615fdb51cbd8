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

export class AddressTable {
  /** Address text by id. */
  readonly names: string[] = [];
  readonly #v4 = new Map<number, number>();
  readonly #byName = new Map<string, number>();

  /** Direct-mapped cache in front of `#v4` (address + 1, id): most packets repeat recent addresses. */
  readonly #cacheKey = new Float64Array(4096);
  readonly #cacheId = new Int32Array(4096);

  /** Id of an IPv4 address given as an unsigned 32-bit number. */
  v4(n: number): number {
    const slot = (n ^ (n >>> 12)) & 4095;
    if (this.#cacheKey[slot] === n + 1) return this.#cacheId[slot]!;
    let id = this.#v4.get(n);
    if (id === undefined) {
      id = this.name(formatIpv4(n));
      this.#v4.set(n, id);
    }
    this.#cacheKey[slot] = n + 1;
    this.#cacheId[slot] = id;
    return id;
  }

  /** Id of the IPv6 address at `buf[o..o+16)`. */
  v6(buf: Uint8Array, o: number): number {
    return this.name(formatIpv6(buf, o));
  }

  /** Id of an address given as text. */
  name(text: string): number {
    let id = this.#byName.get(text);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(text);
      this.#byName.set(text, id);
    }
    return id;
  }
}
