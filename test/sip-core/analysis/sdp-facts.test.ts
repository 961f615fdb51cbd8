/**
 * The SDP facts tier 2 reads (analysis/sdp-summary.ts `SdpCache`) are taken from the body's scan
 * without a summary object: they must equal what `summarizeSdp` gives through `mediaEndpoints`,
 * `voiceCodecs`, `isHold` and the addresses (the derivation the analysis used before, kept here as
 * the reference), for every SDP body of the fixture and public captures and for hand-made bodies
 * (media-level and late c= lines, directions at both levels, rtpmap lines overriding and repeating,
 * static payload types, streams without a port, ICE, no v/o/s line); and the summary itself reads
 * those bodies as written.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  SdpCache,
  isHold,
  mediaEndpoints,
  summarizeSdp,
  voiceCodecs,
  type SdpMedia,
  type SdpSummary,
} from '../../../src/sip-core/analysis/sdp-summary';
import { ingestCaptureFile } from '../../../src/sip-core/trace/ingest-file.node.js';

const repo = path.resolve(import.meta.dirname, '../../..');
const pub = path.resolve(repo, '../shared/captures/public');

/** The facts as the analysis derived them from the summary (the reference). */
function reference(sdp: SdpSummary) {
  let zero = sdp.address === '0.0.0.0';
  let audio: SdpMedia | null = null;
  let first: SdpMedia | null = null;
  let liveAudio: SdpMedia | null = null;
  for (const m of sdp.media) {
    if (m.address === '0.0.0.0') zero = true;
    if (audio === null && m.type === 'audio') audio = m;
    if (first === null && m.port > 0 && m.address) first = m;
    if (liveAudio === null && m.type === 'audio' && m.port > 0) liveAudio = m;
  }
  return {
    address: sdp.address,
    endpoints: mediaEndpoints(sdp),
    voice: voiceCodecs(sdp),
    hold: isHold(sdp),
    zeroAddress: zero,
    audioAddress: audio?.address ?? sdp.address,
    firstAddress: first ? first.address : sdp.address,
    liveAudioAddress: liveAudio?.address ?? sdp.address,
    hasLiveAudio: liveAudio !== null,
    ice: sdp.ice === true,
  };
}

const enc = new TextEncoder();
const body = (lines: string[]): Uint8Array => enc.encode(lines.map((l) => `${l}\r\n`).join(''));

function checkBody(b: Uint8Array, cache: SdpCache, what: string): boolean {
  const s = summarizeSdp(b);
  const f = cache.facts(b);
  if (s === null) {
    expect(f, what).toBeNull();
    return false;
  }
  expect(f, what).toEqual(reference(s));
  return true;
}

const CASES: string[][] = [
  [
    'v=0',
    'o=- 1 1 IN IP4 10.0.0.1',
    's=-',
    'c=IN IP4 10.0.0.1',
    't=0 0',
    'm=audio 4000 RTP/AVP 0 8 101',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:20',
    'a=sendrecv',
  ],
  // media-level c= overriding the session's; a second stream (video) and a third without a port
  [
    'v=0',
    'c=IN IP4 203.0.113.5',
    'm=audio 5000 RTP/AVP 18 0',
    'c=IN IP4 192.168.1.9/127',
    'm=video 5002 RTP/AVP 96',
    'a=rtpmap:96 H264/90000',
    'm=audio 0 RTP/AVP 8',
  ],
  // directions at the session level and per stream; hold by 0.0.0.0 at either level
  ['v=0', 'c=IN IP4 0.0.0.0', 'a=sendonly', 'm=audio 6000 RTP/AVP 0', 'a=recvonly'],
  ['v=0', 'c=IN IP4 10.1.1.1', 'a=inactive', 'm=audio 6000 RTP/AVP 0'],
  [
    'v=0',
    'm=audio 6000 RTP/AVP 0',
    'c=IN IP4 0.0.0.0',
    'm=audio 6002 RTP/AVP 8',
    'c=IN IP4 10.1.1.2',
    'a=sendonly',
  ],
  // on hold by a media-level 0.0.0.0 alone; a stream without a port on 0.0.0.0 (no hold, an address of zeros)
  ['v=0', 'c=IN IP4 10.1.1.3', 'm=audio 6000 RTP/AVP 0', 'c=IN IP4 0.0.0.0'],
  [
    'v=0',
    'c=IN IP4 10.1.1.4',
    'm=audio 6000 RTP/AVP 0',
    'm=audio 0 RTP/AVP 0',
    'c=IN IP4 0.0.0.0',
    'a=sendonly',
  ],
  // rtpmap repeated (the last counts), lower case names, a name for a static type, pt not in the m= line
  [
    'v=0',
    'c=IN IP4 10.2.2.2',
    'm=audio 7000 RTP/AVP 0 97 98',
    'a=rtpmap:97 opus/48000/2',
    'a=rtpmap:97 speex/16000',
    'a=rtpmap:0 pcmu/8000',
    'a=rtpmap:99 G729/8000',
    'a=rtpmap:98 red/8000',
  ],
  // only auxiliary codecs; repeated codecs across two audio streams
  [
    'v=0',
    'c=IN IP4 10.3.3.3',
    'm=audio 7100 RTP/AVP 13 101',
    'a=rtpmap:101 telephone-event/8000',
    'm=audio 7102 RTP/AVP 0 8 0',
    'm=audio 7104 RTP/AVP 8 9',
  ],
  // an rtpmap line before any m= line (ignored), whitespace and LF-only line ends, odd tokens
  [
    'v=0',
    'a=rtpmap:0 OPUS/48000',
    'c=IN  IP4   10.4.4.4 ',
    'm=audio  8000/2  RTP/AVP  0   3  31 200 abc',
    'a=rtpmap:abc  Weird /1 ',
  ],
  // no port digits, no address, ICE candidates, an image stream
  [
    'v=0',
    'm=audio 80x0 RTP/AVP 0',
    'm=audio 9000 RTP/AVP 0',
    'a=candidate:1 1 UDP 2130706431 10.5.5.5 9000 typ host',
    'm=image 9002 udptl t38',
  ],
  ['v=0', 'c=IN IP6 2001:db8::1', 'm=audio 9100 RTP/SAVP 0', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x'],
  // a= values of eight octets that are no direction
  [
    'v=0',
    'c=IN IP4 10.6.6.6',
    'a=sendrecx',
    'm=audio 9200 RTP/AVP 0',
    'a=ptime:20',
    'a=recvonlY',
    'a=inactive',
  ],
  // not SDP: no v/o/s/m line
  ['hello', 'c=IN IP4 10.7.7.7', 'a=rtpmap:0 PCMU/8000'],
  [],
];

describe('SDP facts from the scan', () => {
  it('equal the facts derived from summarizeSdp for hand-made bodies', () => {
    const cache = new SdpCache();
    let sdp = 0;
    for (const c of CASES) {
      if (checkBody(body(c), cache, c.join(' | '))) sdp++;
      // LF line ends read the same
      checkBody(enc.encode(c.join('\n')), cache, `LF: ${c.join(' | ')}`);
    }
    expect(sdp).toBe(CASES.length - 2);
    // (the cases above tell the rules apart: hold by a media-level 0.0.0.0 alone, not on a stream without a port)
    expect([cache.facts(body(CASES[5]!))!.hold, cache.facts(body(CASES[6]!))!.hold]).toEqual([true, false]);
    expect(cache.facts(body(CASES[6]!))!.zeroAddress).toBe(true);
  });

  it('the summary reads the hand-made bodies as written', () => {
    expect(summarizeSdp(body(CASES[1]!))).toEqual({
      address: '203.0.113.5',
      media: [
        {
          type: 'audio',
          port: 5000,
          address: '192.168.1.9',
          codecs: ['G729', 'PCMU'],
          direction: 'sendrecv',
        },
        { type: 'video', port: 5002, address: '203.0.113.5', codecs: ['H264'], direction: 'sendrecv' },
        { type: 'audio', port: 0, address: '203.0.113.5', codecs: ['PCMA'], direction: 'sendrecv' },
      ],
      ice: false,
    });
    expect(summarizeSdp(body(CASES[7]!))!.media[0]!.codecs).toEqual(['PCMU', 'SPEEX', 'RED']);
    expect(summarizeSdp(body(CASES[2]!))).toMatchObject({
      address: '0.0.0.0',
      media: [{ direction: 'recvonly' }],
    });
    expect(summarizeSdp(body(CASES[12]!))!.media[0]!.direction).toBe('inactive');
    expect(summarizeSdp(body(CASES[10]!))).toMatchObject({
      ice: true,
      media: [{ port: 0 }, { port: 9000 }, { type: 'image' }],
    });
    expect(summarizeSdp(body(CASES[13]!))).toBeNull();
  });

  it('equal the facts derived from summarizeSdp for every SDP body of the fixture and public captures', async () => {
    const files: string[] = [path.join(repo, 'resources/samples/sample-call.pcap')];
    for (const dir of [
      path.join(repo, 'test/fixtures/capture'),
      path.join(repo, 'test/fixtures/analysis/sipp'),
      pub,
    ])
      if (existsSync(dir))
        for (const f of readdirSync(dir).sort())
          if (/\.(pcap|pcapng|cap)(\.gz)?$/.test(f)) files.push(path.join(dir, f));
    let bodies = 0;
    for (const f of files) {
      const r = await ingestCaptureFile(f, { parse: false });
      try {
        const cache = new SdpCache();
        for (let id = 0; id < r.trace.count; id++) {
          const raw = r.trace.raw(id);
          const at = Buffer.from(raw.buffer, raw.byteOffset, raw.length).indexOf('\r\n\r\n');
          if (at < 0 || at + 4 >= raw.length) continue;
          if (checkBody(raw.slice(at + 4), cache, `${path.basename(f)} #${id}`)) bodies++;
        }
      } finally {
        r.file.close();
      }
    }
    expect(bodies).toBeGreaterThan(20);
  });
});
