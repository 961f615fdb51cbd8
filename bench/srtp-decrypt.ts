/**
 * SRTP (session 25): µs of CPU per packet to authenticate and decrypt (`SrtpSession.unprotectRtp`,
 * node:crypto) a stream of 20 ms G.711 packets (160 octets of payload) protected by sipscope's own
 * `protectRtp` beforehand (not timed), per suite; the best of `runs`. What playing an SRTP stream adds
 * per packet to the read-again scan and the decode.
 */
import { SRTP_SUITES, SrtpSession, parseSdesCrypto, type SdesCrypto } from '../src/sip-core/media/srtp';
import { nodeSrtpCrypto } from '../src/sip-core/media/srtp-crypto.node.js';

export interface SrtpFigures {
  suite: string;
  packets: number;
  usPerPacket: number;
}

export function srtpDecryptBench(runs: number): SrtpFigures[] {
  const packets = Math.max(1, Number(process.env.SRTP_PACKETS ?? 30_000));
  const out: SrtpFigures[] = [];
  for (const name of [
    'AES_CM_128_HMAC_SHA1_80',
    'AES_CM_128_HMAC_SHA1_32',
    'AES_256_CM_HMAC_SHA1_80',
    'AEAD_AES_128_GCM',
  ]) {
    const s = SRTP_SUITES.get(name)!;
    const key = Buffer.alloc(s.keyLen + s.saltLen);
    for (let i = 0; i < key.length; i++) key[i] = (i * 37 + 11) & 0xff;
    const c = parseSdesCrypto(`${name} inline:${key.toString('base64')}`) as SdesCrypto;
    const tx = new SrtpSession(c, nodeSrtpCrypto);
    const wire: Uint8Array[] = [];
    for (let i = 0; i < packets; i++) {
      const p = new Uint8Array(172);
      const v = new DataView(p.buffer);
      p[0] = 0x80;
      v.setUint16(2, (60_000 + i) & 0xffff); // crosses the sequence wrap
      v.setUint32(4, i * 160);
      v.setUint32(8, 0x5eed0001);
      for (let j = 12; j < 172; j++) p[j] = (i + j * 7) & 0xff;
      wire.push(tx.protectRtp(p));
    }
    let best = Infinity;
    for (let r = 0; r < runs; r++) {
      const rx = new SrtpSession(c, nodeSrtpCrypto);
      const c0 = process.cpuUsage();
      for (const w of wire) rx.unprotectRtp(w, 0, w.length);
      const d = process.cpuUsage(c0);
      if (rx.counts.decrypted !== packets)
        throw new Error(`${name}: ${rx.counts.decrypted} of ${packets} decrypted`);
      best = Math.min(best, d.user + d.system);
    }
    out.push({ suite: name, packets, usPerPacket: best / packets });
  }
  return out;
}
