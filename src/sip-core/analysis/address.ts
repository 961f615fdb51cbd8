/**
 * Address helpers for the analysis layer: split `host:port`, classify addresses (RFC 1918 private,
 * RFC 6598 shared, loopback, unspecified) for the NAT and one-way-audio rules.
 */
import { canonicalIpv6 } from '../message/uri';

/** Host part of `1.2.3.4:5060` or `[::1]:5060` (brackets removed). */
export function hostOf(hostPort: string): string {
  if (hostPort.startsWith('[')) {
    const e = hostPort.indexOf(']');
    return e > 0 ? hostPort.slice(1, e) : hostPort;
  }
  const c = hostPort.lastIndexOf(':');
  return c >= 0 && hostPort.indexOf(':') === c ? hostPort.slice(0, c) : hostPort;
}

/** Port of `host:port` (0 when absent). */
export function portOf(hostPort: string): number {
  const e = hostPort.lastIndexOf(':');
  if (e < 0 || (hostPort.startsWith('[') && e < hostPort.indexOf(']'))) return 0;
  return Number(hostPort.slice(e + 1)) || 0;
}

/** Host of a Via sent-by / URI host, without brackets and port; IPv6 in RFC 5952 form when it parses. */
export function bareHost(host: string): string {
  let h = host;
  if (h.startsWith('[')) {
    const e = h.indexOf(']');
    h = e > 0 ? h.slice(1, e) : h;
  } else {
    const c = h.indexOf(':');
    if (c >= 0 && h.lastIndexOf(':') === c) h = h.slice(0, c);
  }
  if (h.includes(':')) {
    const canon = canonicalIpv6(h);
    if (canon) return canon;
    // An unbracketed IPv6 address followed by a port (invalid, but seen): drop the last group.
    const cut = canonicalIpv6(h.slice(0, h.lastIndexOf(':')));
    if (cut) return cut;
  }
  return h;
}

/** An IPv4 literal (four 1–3 digit parts ≤ 255) as a 32-bit unsigned number, or -1. Allocates nothing. */
function v4(host: string): number {
  // Hand-rolled: called for every message the NAT rules look at.
  let value = 0;
  let part = 0;
  let parts = 1;
  let digits = 0;
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || parts === 4) return -1;
      value = value * 256 + part;
      part = 0;
      parts++;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else return -1;
  }
  return parts === 4 && digits > 0 ? value * 256 + part : -1;
}

/** An IPv4 literal as a 32-bit unsigned number, or null. */
export function ipv4Number(host: string): number | null {
  const n = v4(host);
  return n >= 0 ? n : null;
}

/** True for an IP literal in a private range: RFC 1918, RFC 6598 (CGN), IPv6 ULA fc00::/7, link-local. */
export function isPrivateAddress(host: string): boolean {
  const n = v4(host);
  if (n >= 0) {
    const a = n >>> 24;
    const c = (n >>> 16) & 255;
    return (
      a === 10 ||
      (a === 172 && c >= 16 && c <= 31) ||
      (a === 192 && c === 168) ||
      (a === 100 && c >= 64 && c <= 127) ||
      (a === 169 && c === 254)
    );
  }
  const h = host.toLowerCase();
  return h.includes(':') && (h.startsWith('fc') || h.startsWith('fd') || h.startsWith('fe80'));
}

export function isLoopback(host: string): boolean {
  const n = v4(host);
  if (n >= 0) return n >>> 24 === 127;
  return host === '::1';
}

export function isUnspecified(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/** True for an IP literal (v4 or v6) rather than a domain name. */
export function isIpLiteral(host: string): boolean {
  return v4(host) >= 0 || host.includes(':');
}

/** A public (globally routable) IP literal: not private, loopback, unspecified or a domain name. */
export function isPublicAddress(host: string): boolean {
  return isIpLiteral(host) && !isPrivateAddress(host) && !isLoopback(host) && !isUnspecified(host);
}

/** `ip.addr == 10.0.0.0/8` support: does `host` lie in `cidr` (IPv4 only; exact text match otherwise)? */
export function inCidr(host: string, cidr: string): boolean {
  const slash = cidr.indexOf('/');
  if (slash < 0) return host === cidr;
  const net = ipv4Number(cidr.slice(0, slash));
  const h = ipv4Number(host);
  const bits = Number(cidr.slice(slash + 1));
  if (net === null || h === null || !(bits >= 0 && bits <= 32)) return false;
  if (bits === 0) return true;
  const mask = (0xffffffff << (32 - bits)) >>> 0;
  return (net & mask) >>> 0 === (h & mask) >>> 0;
}
