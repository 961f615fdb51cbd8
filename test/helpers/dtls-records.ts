/**
 * Test helper: DTLS 1.2 handshake records made by hand (RFC 6347 framing; RFC 5764 use_srtp): a
 * ClientHello and a ServerHello as a WebRTC end sends them, whole or in fragments, for the DTLS-SRTP
 * reader's unit tests and the app's e2e (the keys against real OpenSSL ends are
 * test/interop/dtls-srtp-openssl.test.ts's).
 */
export const u16 = (v: number): number[] => [v >> 8, v & 0xff];
const u24 = (v: number): number[] => [v >> 16, (v >> 8) & 0xff, v & 0xff];

function ext(type: number, data: number[]): number[] {
  return [...u16(type), ...u16(data.length), ...data];
}

function useSrtp(profiles: number[], mki: number[] = []): number[] {
  return ext(14, [...u16(profiles.length * 2), ...profiles.flatMap(u16), mki.length, ...mki]);
}

/** A ClientHello body (DTLS 1.2, `cookie`, two suites, use_srtp `profiles`); its random from `random`. */
export function clientHello(random: number, profiles: number[], cookie: number[] = []): number[] {
  const exts = useSrtp(profiles);
  return [
    ...u16(0xfefd),
    ...Array.from({ length: 32 }, (_, i) => (random + i) & 0xff),
    0,
    cookie.length,
    ...cookie,
    ...u16(4),
    ...u16(0xc02b),
    ...u16(0xc02f),
    1,
    0,
    ...u16(exts.length),
    ...exts,
  ];
}

/**
 * A ServerHello body choosing `profile` (none: null); DTLS 1.3's supported_versions when `dtls13`;
 * cipher suite `suite` (default 0xc02b).
 */
export function serverHello(
  random: number,
  profile: number | null,
  o: { dtls13?: boolean; mki?: number[]; suite?: number } = {},
): number[] {
  const exts = [
    ...(profile !== null ? useSrtp([profile], o.mki) : []),
    ...(o.dtls13 ? ext(43, u16(0xfefc)) : []),
  ];
  return [
    ...u16(0xfefd),
    ...Array.from({ length: 32 }, (_, i) => (random + 2 * i) & 0xff),
    0,
    ...u16(o.suite ?? 0xc02b),
    0,
    ...u16(exts.length),
    ...exts,
  ];
}

/** A handshake fragment (RFC 6347 §4.2.2) of message `body` (type 1 ClientHello, 2 ServerHello). */
export function fragment(
  type: number,
  seq: number,
  body: number[],
  off = 0,
  len = body.length - off,
): number[] {
  return [type, ...u24(body.length), ...u16(seq), ...u24(off), ...u24(len), ...body.slice(off, off + len)];
}

/** A DTLS 1.2 record (content type 22 handshake, epoch 0 unless given) around `payload`. */
export function record(payload: number[], type = 22, epoch = 0): number[] {
  return [type, 0xfe, 0xfd, ...u16(epoch), 0, 0, 0, 0, 0, 1, ...u16(payload.length), ...payload];
}
