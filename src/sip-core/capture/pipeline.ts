/**
 * The ingest pipeline (STYLE.md habit 8): reader → link → ip (+ defrag, tunnels) → transport
 * (UDP, TCP reassembly, SCTP) → unwrap (WebSocket, HEP) → sip-framing → a {@link MessageSink}.
 * SIP is recognised by content on any port (habit 9's heuristic dissectors), never by port alone.
 * @remarks Wire input never throws (habit 6): damage becomes diagnostics and counters.
 */
import type { Diagnostic } from '../diagnostic';
import { AddressTable, formatHostPort } from './address';
import { IpDefragmenter } from './ip/defrag';
import { decodeIpv4, decodeIpv6, IPPROTO, newIpPacket, type IpPacket } from './ip/ip-decode';
import {
  decodeEthernet,
  decodeLink,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ETHERTYPE_TEB,
  isKnownLinkType,
  LINKTYPE,
  linkTypeName,
  type NetStart,
} from './link/link-decode';
import type { FrameRef, Reassembly, TransportName } from './provenance';
import { newFrameInfo, type FrameInfo, type FrameSink } from './reader/frame';
import { readHandoff, type HandoffWriter } from './reader/handoff';
import { looksLikeRtp, RtpTracker } from '../media/rtp-streams';
import { looksLikeDtls } from '../media/dtls-srtp';
import {
  handedTcp,
  SC_A,
  SC_B,
  SC_DIR,
  SC_OWNER,
  SC_PORTS,
  SPEC_CONN,
  SpeculationLog,
  type Speculation,
} from './split-tcp';
import {
  D_SEQ,
  D_SIP,
  D_SYN,
  OWN_JS,
  OWN_PASS,
  OWN_RELEASED,
  PASS_TCP_SLOTS,
  P_CAPLEN,
  P_FRAC,
  P_SEC,
  P_STRIDE,
  P_TYPE,
  P_BYTE_CUM,
  P_MSG,
  P_RIDX,
  P_UDP_CUM,
  T_TCP_NONE,
  TCP_A,
  TCP_B,
  TCP_BITS,
  TCP_FIRST,
  TCP_NEXT,
  TCP_OWNER,
  TCP_PORTS,
  TCP_SERIAL,
  TCP_SLOT,
  T_UDP,
  claimPassTcp,
  passCacheOwner,
  passCounters,
  passTcpFind,
  passTcpFoundRev,
  passTcpInsert,
  passTcpPos,
  passTcpSerial,
  passTcpSlots,
  releasePassTcp,
} from './ingest-pass';
import { canonicalIpv4 } from './address';
import {
  frameDatagram,
  frameDatagramInto,
  frameStream,
  sipStartLine,
  type DatagramFrame,
  type FrameFlag,
  type StreamFramerSink,
} from './sip-framing';
import { SctpReassembler } from './transport/sctp';
import { DSB_TLS_KEY_LOG, TlsKeyLog, type TlsSecrets } from './tls/keylog';
import type { TlsCrypto } from './tls/tls-crypto';
import { TlsLink, type TlsProblem, type TlsRsaHost } from './tls/tls-stream';
import {
  TcpConnection,
  TcpReassembler,
  type StreamConsumer,
  type TcpDirection,
} from './transport/tcp-reassembly';
import { decodeGre, type GreInner } from './unwrap/gre';
import {
  decodeHep,
  hep3Length,
  hepVersion,
  MAX_INFLATED,
  newHepPacket,
  type HepPacket,
  type Inflate,
} from './unwrap/hep';
import {
  copyWsPayload,
  isHttpStart,
  newWsFrame,
  readHttpHead,
  readWsFrame,
  WS_OPCODE,
} from './unwrap/websocket';

/** Where and how one SIP message was seen. Reused between calls: copy what you keep. */
export interface MessageMeta {
  /** The frame that completed the message (tshark's frame number). */
  frameNo: number;
  timeUs: number;
  src: number;
  srcPort: number;
  dst: number;
  dstPort: number;
  transport: TransportName;
  reassembly: Reassembly;
  /** Capture-stream offset of the message bytes when they lie contiguously in one frame, else -1. */
  rawOffset: number;
  /** Frames the message came from, in order; the last one completed it. */
  frames: FrameRef[];
  /** Problems the pipeline found with this message (framing, fragments, junk), or null. */
  diagnostics: Diagnostic[] | null;
  /** Frames the message depends on without coming from them (WebSocket: the HTTP upgrade), or null. */
  contextFrames: FrameRef[] | null;
  /** HEP only: the correlation id chunk and capture agent id. */
  hepCorrelationId: string | null;
  hepCaptureId: number;
}

export interface MessageSink {
  /** One SIP message `buf[start,end)`; the bytes are only valid during the call. */
  message(buf: Uint8Array, start: number, end: number, meta: MessageMeta): void;
  /** Whether {@link MessageSink.passRows} may be used now (see `FrameSink.takesPassRows`). */
  takesPassRows?(): boolean;
  /**
   * The messages of rows `r0..r1` of the ingest pass's table (capture/ingest-pass.ts), what `message`
   * would get for each, in order: UDP or TCP (P_TYPE), not reassembled, in the file at
   * `base + P_START`, no diagnostics, their frame (numbered from `frame0`, the record's place and
   * time, `linkType`; T_TCP_NONE rows are frames without a message). P_SRC/P_DST hold IPv4 numbers:
   * the sink interns every row's (T_TCP_NONE's too) with `addrs.v4`, source then destination, in
   * row order, as the pipeline's IPv4 decoding would.
   */
  passRows?(
    buf: Uint8Array,
    t: Int32Array,
    r0: number,
    r1: number,
    base: number,
    ns: boolean,
    frame0: number,
    linkType: number,
    addrs: AddressTable,
  ): void;
}

/** What the pipeline saw and could not decode, for the summary. */
export interface IngestStats {
  frames: number;
  bytes: number;
  firstTimeUs: number;
  lastTimeUs: number;
  sipMessages: number;
  /** Frames by link type name, e.g. { Ethernet: 680 }. */
  linkTypes: Record<string, number>;
  unknownLinkFrames: number;
  nonIpFrames: number;
  /** IP packets whose protocol we do not decode (ICMP, ESP, OSPF...) by protocol number. */
  otherIpProtocols: Record<string, number>;
  malformedIp: number;
  ipFragments: number;
  ipReassembled: number;
  tunnels: { ipip: number; gre: number };
  udpDatagrams: number;
  udpNonSip: number;
  tcpSegments: number;
  tcpConnections: number;
  tcpRetransmissions: number;
  tcpOutOfOrder: number;
  tcpGaps: number;
  tlsConnections: number;
  nonSipTcpConnections: number;
  wsMessages: number;
  sctpPackets: number;
  hepPackets: number;
  hepNonSip: number;
  keepalives: number;
  junkBytes: number;
  truncatedFrames: number;
}

/**
 * Two-part ingest of one file (two workers): the file is cut at a record boundary `offset`. The
 * `tail` part reads from `offset` and decodes only stateless UDP frames ({@link isStatelessUdp}: no
 * TCP, no IP fragment, no tunnel, so nothing depends on earlier frames) and hands every other frame
 * over to the head (`PipelineOptions.handoff`, reader/handoff.ts); the `head` part reads the file up
 * to `offset`, then decodes the handed-over frames (`handoffFrames`). Merged by frame number
 * (trace/trace-merge.ts), the two give what one pass gives.
 */
export interface SplitRole {
  role: 'head' | 'tail';
  offset: number;
  /**
   * Tail: the ingest pass also takes TCP, as if each connection's stream began at the cut; the head
   * checks each connection and decodes again the frames of those that fail (split-tcp.ts). Head: the
   * tail speculates (its speculation comes with the handed-over frames).
   */
  speculate?: boolean;
}

export interface PipelineOptions {
  /** Decompressor for HEP compressed payloads (node:zlib in a *.node.ts adapter); null = report instead. */
  inflate?: Inflate | null;
  /** This pipeline's part of a two-part ingest (see {@link SplitRole}). */
  split?: SplitRole | null;
  /** Cap on file/stream diagnostics kept per code (the rest are counted). */
  maxDiagnosticsPerCode?: number;
  /** Tail part: where the frames it does not decode go (to the head part). */
  handoff?: HandoffWriter | null;
  /** What receives the datagrams that look like RTP (default: a new tracker; media/stream-scan.ts's tap). */
  media?: RtpTracker;
  /** TLS decryption's primitives (node:crypto in tls/crypto.node.ts); null = TLS is reported, not decrypted. */
  tlsCrypto?: TlsCrypto | null;
  /** TLS secrets from the user's key log (a pcapng file's Decryption Secrets Blocks are added). */
  keylog?: TlsKeyLog | null;
}

const SIP_PORTS = new Set([5060, 5061]);
const MAX_TUNNEL_DEPTH = 4;

type Mode = 'detect' | 'sip' | 'ws-await' | 'ws' | 'hep' | 'tls' | 'other';

export class CapturePipeline implements FrameSink {
  readonly addresses = new AddressTable();
  readonly stats: IngestStats = {
    frames: 0,
    bytes: 0,
    firstTimeUs: -1,
    lastTimeUs: -1,
    sipMessages: 0,
    linkTypes: {},
    unknownLinkFrames: 0,
    nonIpFrames: 0,
    otherIpProtocols: {},
    malformedIp: 0,
    ipFragments: 0,
    ipReassembled: 0,
    tunnels: { ipip: 0, gre: 0 },
    udpDatagrams: 0,
    udpNonSip: 0,
    tcpSegments: 0,
    tcpConnections: 0,
    tcpRetransmissions: 0,
    tcpOutOfOrder: 0,
    tcpGaps: 0,
    tlsConnections: 0,
    nonSipTcpConnections: 0,
    wsMessages: 0,
    sctpPackets: 0,
    hepPackets: 0,
    hepNonSip: 0,
    keepalives: 0,
    junkBytes: 0,
    truncatedFrames: 0,
  };
  /** File and stream diagnostics (per-message ones travel with the message). */
  readonly diagnostics: Diagnostic[] = [];
  /** Diagnostics dropped by the per-code cap, by code. */
  readonly droppedDiagnostics = new Map<string, number>();
  readonly #perCode = new Map<string, number>();
  readonly #maxPerCode: number;
  readonly #sink: MessageSink;
  readonly #inflate: Inflate | null;
  readonly #defrag: IpDefragmenter;
  readonly #tcp: TcpReassembler;
  readonly #sctp = new SctpReassembler();
  readonly #net: NetStart = { etherType: 0, offset: 0, vlans: 0 };
  readonly #ips: IpPacket[] = [newIpPacket(), newIpPacket(), newIpPacket(), newIpPacket(), newIpPacket()];
  readonly #gre: GreInner = { protocol: 0, offset: 0 };
  readonly #hep: HepPacket = newHepPacket();
  readonly #unknownLinks = new Set<number>();
  readonly #frame: FrameRef = { frameNo: 0, recordOffset: 0, recordLength: 0, timeUs: 0, linkType: 0 };
  readonly #frames1: FrameRef[] = [this.#frame];
  #info: FrameInfo | null = null;
  /** A two-part ingest's tail: the frame being decoded (it hands RTP frames over whole). */
  #decBuf: Uint8Array | null = null;
  #decStart = 0;
  #decEnd = 0;
  /** RTP streams and RTCP flows among the datagrams that are not SIP (media/rtp-streams.ts). */
  readonly media: RtpTracker;
  readonly #dgram: DatagramFrame = { start: 0, end: 0, junk: 0 };
  /** Frames of the current run of one link type, added to `stats.linkTypes` when the type changes. */
  #runLink = -1;
  #runFrames = 0;
  /** Capture-stream offset of `buf[0]` for the frame buffer, or -1 inside reassembled buffers. */
  #fileBase = -1;
  #frameBuf: Uint8Array | null = null;
  readonly #meta: MessageMeta = {
    frameNo: 0,
    timeUs: 0,
    src: 0,
    srcPort: 0,
    dst: 0,
    dstPort: 0,
    transport: 'UDP',
    reassembly: 'none',
    rawOffset: -1,
    frames: this.#frames1,
    diagnostics: null,
    contextFrames: null,
    hepCorrelationId: null,
    hepCaptureId: 0,
  };

  readonly #split: SplitRole | null;
  readonly #handoff: HandoffWriter | null;
  readonly #tlsCrypto: TlsCrypto | null;
  readonly #keylog: TlsKeyLog | null;
  /** Secrets from the capture's own Decryption Secrets Blocks. */
  #dsbKeys: TlsKeyLog | null = null;
  readonly #tlsKeys = (random: string): TlsSecrets | null =>
    this.#keylog?.get(random) ?? this.#dsbKeys?.get(random) ?? null;

  constructor(sink: MessageSink, opts: PipelineOptions = {}) {
    this.#sink = sink;
    this.#tlsCrypto = opts.tlsCrypto ?? null;
    this.#keylog = opts.keylog ?? null;
    this.#split = opts.split ?? null;
    this.#handoff = opts.handoff ?? null;
    this.media = opts.media ?? new RtpTracker();
    // DTLS-SRTP's keys come from the same key log as TLS's (media/dtls-srtp.ts).
    const keys = this.#tlsKeys;
    const has = (): boolean => this.#keylog !== null || this.#dsbKeys !== null;
    this.media.dtlsKeys = {
      master: (random) => keys(random)?.master ?? null,
      get hasKeys(): boolean {
        return has();
      },
      crypto: this.#tlsCrypto,
    };
    this.#inflate = opts.inflate ?? null;
    this.#maxPerCode = opts.maxDiagnosticsPerCode ?? 200;
    const report = (d: Diagnostic): void => this.diagnostic(d);
    this.#defrag = new IpDefragmenter(report);
    this.#tcp = new TcpReassembler(
      () => new SipStreamConsumer(this),
      report,
      (id) => this.addresses.names[id] ?? '?',
    );
  }

  /** Number of error-severity diagnostics reported (including capped ones). */
  errorCount = 0;

  diagnostic(d: Diagnostic): void {
    if (d.severity === 'error') this.errorCount++;
    const n = (this.#perCode.get(d.code) ?? 0) + 1;
    this.#perCode.set(d.code, n);
    if (n > this.#maxPerCode) {
      this.droppedDiagnostics.set(d.code, (this.droppedDiagnostics.get(d.code) ?? 0) + 1);
      return;
    }
    this.diagnostics.push(d);
  }

  /** Count of every diagnostic code reported at file/stream level (including dropped ones). */
  get diagnosticCounts(): ReadonlyMap<string, number> {
    return this.#perCode;
  }

  /** Makes `info`'s frame (its bytes from `buf[start]`) the one being decoded. */
  #enter(buf: Uint8Array, start: number, info: FrameInfo): void {
    this.#info = info;
    this.#frameBuf = buf;
    this.#fileBase = info.dataOffset - start;
    this.#frame.frameNo = info.frameNo;
    this.#frame.recordOffset = info.recordOffset;
    this.#frame.recordLength = info.recordLength;
    this.#frame.timeUs = info.timeUs;
    this.#frame.linkType = info.linkType;
  }

  frame(buf: Uint8Array, start: number, end: number, info: FrameInfo): void {
    const st = this.stats;
    st.frames++;
    st.bytes += info.capLen;
    if (st.firstTimeUs < 0) st.firstTimeUs = info.timeUs;
    st.lastTimeUs = info.timeUs;
    if (info.capLen < info.origLen) st.truncatedFrames++;
    this.#enter(buf, start, info);
    const lt = info.linkType;
    if (lt !== this.#runLink) {
      this.#flushLinkRun();
      this.#runLink = lt;
    }
    this.#runFrames++;
    if (this.#split !== null && this.#split.role === 'tail') {
      if (!isStatelessUdp(lt, buf, start, end, this.#net)) {
        if (this.#spec !== null) this.#specHanded(lt, buf, start, end);
        this.#handoff?.add(buf, start, end, info);
        return;
      }
      // Kept for #udp, which hands an RTP frame over whole.
      this.#decBuf = buf;
      this.#decStart = start;
      this.#decEnd = end;
    }
    this.#decode(buf, start, end, info);
  }

  takesPassRows(): boolean {
    const on = this.#sink.takesPassRows?.() ?? false;
    // The pass's id caches then hold this ingest's address and method ids.
    if (on) passCacheOwner(this, this.addresses);
    return on;
  }

  /**
   * Taken records of the ingest pass (capture/ingest-pass.ts): what `frame` and the inline path
   * (`#fastUdp`) or the TCP path do for each — counters from the rows' running counts — then the sink
   * gets the run at once, with the address table (it interns each row's addresses, in order). Returns
   * the number of frames (a TCP segment's rows after its first are one frame).
   */
  passRows(
    buf: Uint8Array,
    t: Int32Array,
    r0: number,
    r1: number,
    base: number,
    ns: boolean,
    frame0: number,
    linkType: number,
  ): number {
    const st = this.stats;
    if (linkType !== this.#runLink) {
      this.#flushLinkRun();
      this.#runLink = linkType;
    }
    const f = r0 * P_STRIDE;
    const l = (r1 - 1) * P_STRIDE;
    const frames = t[l + P_RIDX]! - t[f + P_RIDX]! + 1;
    const udp = t[l + P_UDP_CUM]! - t[f + P_UDP_CUM]! + (t[f + P_TYPE] === T_UDP ? 1 : 0);
    const bytes = t[l + P_BYTE_CUM]! - t[f + P_BYTE_CUM]! + t[f + P_CAPLEN]!;
    const msgs = t[l + P_MSG]! + (t[l + P_TYPE] === T_TCP_NONE ? 0 : 1) - t[f + P_MSG]!;
    const tcp = frames - udp;
    this.#runFrames += frames;
    st.frames += frames;
    st.udpDatagrams += udp;
    st.tcpSegments += tcp;
    this.#tcp.stats.segments += tcp;
    st.sipMessages += msgs;
    passCounters.taken += frames;
    passCounters.tcp += tcp;
    st.bytes += bytes;
    if (st.firstTimeUs < 0) st.firstTimeUs = rowTimeUs(t, f, ns);
    st.lastTimeUs = rowTimeUs(t, l, ns);
    this.#frame.frameNo = frame0 + frames - 1;
    if (this.#spec !== null && tcp > 0) this.#spec.rows(t, r0, r1, base, frame0, (o) => rowTimeUs(t, o, ns));
    this.#sink.passRows!(buf, t, r0, r1, base, ns, frame0, linkType, this.addresses);
    return frames;
  }

  /** This pipeline holds the ingest pass's TCP connection table (see {@link passTcp}). */
  #passTcp = false;
  /** Connections the pass held to the end (never built here). */
  #passHeld = 0;

  /**
   * Whether the ingest pass may read TCP segments for this pipeline (asked once per chunk): it takes
   * the pass's connection table (not in a two-part ingest's tail, which hands TCP over), registers the
   * connections read so far, and from then on the reassembly asks the table before creating one
   * (`#passMiss`) and registers the ones it creates. `finish` takes every connection back.
   */
  passTcp(): boolean {
    if (this.#passTcp) return true;
    const tail = this.#split?.role === 'tail';
    if ((tail && !this.#split!.speculate) || this.#finishing) return false;
    const tcp = this.#tcp;
    if (!claimPassTcp(this, tcp.serials)) return false;
    this.#passTcp = true;
    if (tail) {
      this.#spec = new SpeculationLog();
      // Frames handed over before: their connections are not known to the table.
      if ((this.#handoff?.frames ?? 0) > 0) this.#spec.tainted = true;
    }
    for (const c of tcp.all()) this.#passRegister(c);
    tcp.serial = passTcpSerial;
    tcp.miss = (src, sp, dst, dp) => this.#passMiss(src, sp, dst, dp);
    tcp.created = (c) => this.#passRegister(c);
    return true;
  }

  /** Registers a connection of the JavaScript reassembly in the pass's table (IPv4 only). */
  #passRegister(c: TcpConnection): void {
    const d = c.dirs[0];
    const names = this.addresses.names;
    const s4 = canonicalIpv4(names[d.src] ?? '');
    const d4 = canonicalIpv4(names[d.dst] ?? '');
    if (s4 < 0 || d4 < 0) return;
    const slot = passTcpInsert(s4, d.srcPort, d4, d.dstPort, OWN_JS);
    if (slot >= 0) passTcpSlots()[slot * TCP_SLOT + TCP_SERIAL] = c.serial;
  }

  /** A connection first read by the pass, built from its slot (then the JavaScript side's); else null. */
  #passMiss(src: number, sp: number, dst: number, dp: number): TcpConnection | null {
    const names = this.addresses.names;
    const s4 = canonicalIpv4(names[src] ?? '');
    const d4 = canonicalIpv4(names[dst] ?? '');
    if (s4 < 0 || d4 < 0) return null;
    const slot = passTcpFind(s4, sp, d4, dp);
    return slot < 0 ? null : this.#passAdopt(slot);
  }

  /** Builds the connection of `slot` with the state the pass left (see ingest-pass.ts TCP_*). */
  #passAdopt(slot: number): TcpConnection {
    const t = passTcpSlots();
    const o = slot * TCP_SLOT;
    const a = this.addresses;
    const ports = t[o + TCP_PORTS]!;
    const c = this.#tcp.add(
      a.v4(t[o + TCP_A]! >>> 0),
      ports >>> 16,
      a.v4(t[o + TCP_B]! >>> 0),
      ports & 0xffff,
      t[o + TCP_SERIAL]!,
    );
    for (let d = 0; d < 2; d++) {
      const bits = t[o + TCP_BITS + 2 * d]!;
      const dir = c.dirs[d]!;
      dir.resume((bits & D_SEQ) !== 0 ? t[o + TCP_NEXT + 2 * d]! >>> 0 : -1, passTcpPos(slot, d));
      if ((bits & D_SIP) !== 0) {
        (dir.consumer as SipStreamConsumer).mode = 'sip';
        c.kind = 'sip';
      }
    }
    t[o + TCP_OWNER] = OWN_JS;
    return c;
  }

  /**
   * End of capture: counts the connections the pass still holds (clean: nothing pending or held, so
   * the end of capture has nothing to flush for them), takes back any it released, and gives its
   * table back.
   */
  #passTcpEnd(): void {
    if (!this.#passTcp) return;
    if (this.#spec !== null) this.speculation = this.#spec.export(this.#specConns());
    const t = passTcpSlots();
    for (let slot = 0; slot < PASS_TCP_SLOTS; slot++) {
      const own = t[slot * TCP_SLOT + TCP_OWNER];
      if (own === OWN_PASS) this.#passHeld++;
      else if (own === OWN_RELEASED) this.#passAdopt(slot);
    }
    const tcp = this.#tcp;
    tcp.serial = null;
    tcp.miss = null;
    tcp.created = null;
    this.#passTcp = false;
    releasePassTcp(this);
  }

  /** Tail part speculating on TCP (see `SplitRole.speculate`): the TCP frames its pass took. */
  #spec: SpeculationLog | null = null;
  /** Tail part speculating on TCP: what the head checks (set at the end of input). */
  speculation: Speculation | null = null;

  /** The pass's connections (SPEC_CONN numbers each: split-tcp.ts). */
  #specConns(): Int32Array {
    const t = passTcpSlots();
    let n = 0;
    for (let slot = 0; slot < PASS_TCP_SLOTS; slot++) if (t[slot * TCP_SLOT + TCP_OWNER] !== 0) n++;
    const out = new Int32Array(n * SPEC_CONN);
    let k = 0;
    for (let slot = 0; slot < PASS_TCP_SLOTS; slot++) {
      const o = slot * TCP_SLOT;
      if (t[o + TCP_OWNER] === 0) continue;
      out[k + SC_OWNER] = t[o + TCP_OWNER]!;
      out[k + SC_A] = t[o + TCP_A]!;
      out[k + SC_B] = t[o + TCP_B]!;
      out[k + SC_PORTS] = t[o + TCP_PORTS]!;
      for (let d = 0; d < 2; d++) {
        out[k + SC_DIR + 3 * d] = t[o + TCP_BITS + 2 * d]!;
        out[k + SC_DIR + 3 * d + 1] = t[o + TCP_NEXT + 2 * d]!;
        out[k + SC_DIR + 3 * d + 2] = t[o + TCP_FIRST + d]!;
      }
      k += SPEC_CONN;
    }
    return out;
  }

  /**
   * Tail part speculating: a frame it hands over that may reach a TCP connection releases that
   * connection (the pass declines its later segments: all go to the head), or, when it cannot tell
   * which, fails them all.
   */
  #specHanded(lt: number, buf: Uint8Array, start: number, end: number): void {
    const h = handedTcp(lt, buf, start, end, this.#net);
    if (h.kind === 'none') return;
    if (h.kind === 'unknown') {
      this.#spec!.tainted = true;
      return;
    }
    const slot = passTcpFind(h.src, h.sp, h.dst, h.dp);
    if (slot < 0) passTcpInsert(h.src, h.sp, h.dst, h.dp, OWN_JS);
    else {
      const t = passTcpSlots();
      if (t[slot * TCP_SLOT + TCP_OWNER] === OWN_PASS) t[slot * TCP_SLOT + TCP_OWNER] = OWN_RELEASED;
    }
  }

  /**
   * Head part, after its own records: which of the tail's speculated connections stand (see
   * split-tcp.ts): per connection of `s.conns`, 1 when one pass would have read the tail's segments of
   * it as the tail did, and whether this part knew the connection (then it counted it already).
   */
  checkSpeculation(s: Speculation): { stands: Uint8Array; known: Uint8Array } {
    const n = s.conns.length / SPEC_CONN;
    const stands = new Uint8Array(n);
    const known = new Uint8Array(n);
    const c = s.conns;
    for (let i = 0; i < n; i++) {
      const k = i * SPEC_CONN;
      if (s.tainted || c[k + SC_OWNER] !== OWN_PASS) continue;
      const a = c[k + SC_A]! >>> 0;
      const b = c[k + SC_B]! >>> 0;
      const ap = c[k + SC_PORTS]! >>> 16;
      const bp = c[k + SC_PORTS]! & 0xffff;
      const tailDir = (d: number): { bits: number; first: number } => ({
        bits: c[k + SC_DIR + 3 * d]!,
        first: c[k + SC_DIR + 3 * d + 2]! >>> 0,
      });
      const ai = this.addresses.findV4(a);
      const bi = this.addresses.findV4(b);
      const conn = ai >= 0 && bi >= 0 ? this.#tcp.find(ai, ap, bi, bp) : null;
      let ok = true;
      if (conn !== null) {
        known[i] = 1;
        if (conn.kind !== 'sip' && conn.kind !== 'unknown') ok = false;
        for (let d = 0; d < 2 && ok; d++) {
          const td = tailDir(d);
          if ((td.bits & D_SEQ) === 0) continue;
          const hd =
            conn.dirs[0].src === ai && conn.dirs[0].srcPort === ap ? conn.dirs[d]! : conn.dirs[1 - d]!;
          const mode = (hd.consumer as SipStreamConsumer).mode;
          ok =
            (td.bits & D_SYN) === 0 &&
            hd.clean &&
            !hd.fin &&
            (mode === 'sip' || (mode === 'detect' && hd.nextSeq < 0)) &&
            (hd.nextSeq < 0 || hd.nextSeq === td.first);
        }
      } else if (this.#passTcp) {
        const slot = passTcpFind(a | 0, ap, b | 0, bp);
        if (slot >= 0) {
          known[i] = 1;
          const rev = passTcpFoundRev();
          const t = passTcpSlots();
          const o = slot * TCP_SLOT;
          if (t[o + TCP_OWNER] !== OWN_PASS) ok = false;
          for (let d = 0; d < 2 && ok; d++) {
            const td = tailDir(d);
            if ((td.bits & D_SEQ) === 0) continue;
            const hdir = rev ? 1 - d : d;
            const hb = t[o + TCP_BITS + 2 * hdir]!;
            ok =
              (td.bits & D_SYN) === 0 &&
              ((hb & D_SEQ) === 0 || t[o + TCP_NEXT + 2 * hdir]! >>> 0 === td.first);
          }
        }
      }
      stands[i] = ok ? 1 : 0;
    }
    return { stands, known };
  }

  readonly #handoffInfo: FrameInfo = newFrameInfo(0);
  readonly #handoffFrame = (buf: Uint8Array, start: number, end: number, info: FrameInfo): void => {
    this.#enter(buf, start, info);
    this.#decode(buf, start, end, info);
  };

  /**
   * Head part of a two-part ingest, after its own records: decodes a chunk of the frames the tail
   * part handed over (reader/handoff.ts), numbered from `framesBeforeSplit` + 1. Frame counters
   * (frames, bytes, times, link types) are the tail's: they are not counted again here.
   */
  handoffFrames(chunk: Uint8Array, framesBeforeSplit: number): void {
    readHandoff(chunk, framesBeforeSplit, this.#handoffInfo, this.#handoffFrame);
  }

  #decode(buf: Uint8Array, start: number, end: number, info: FrameInfo): void {
    const st = this.stats;
    const lt = info.linkType;
    if (lt === LINKTYPE.ETHERNET && this.#fastUdp(buf, start, end, info)) return;
    if (!decodeLink(lt, buf, start, end, this.#net)) {
      if (!isKnownLinkType(lt)) {
        st.unknownLinkFrames++;
        if (!this.#unknownLinks.has(lt)) {
          this.#unknownLinks.add(lt);
          this.diagnostic({
            code: 'link-type-unknown',
            severity: 'warning',
            layer: 'link',
            message: `frames with link type ${lt} cannot be decoded (first: frame ${info.frameNo}); they are counted and skipped`,
            offset: info.recordOffset,
          });
        }
      } else st.nonIpFrames++;
      return;
    }
    this.#network(buf, this.#net.offset, end, this.#net.etherType, 0);
  }

  /**
   * The common frame, inline: Ethernet II without VLAN tags → IPv4 without options, not a fragment →
   * UDP → a datagram that begins with a SIP start line, captured whole. Emits what the general path
   * (decodeLink → #network → #udp) emits for it; returns false, having done nothing, for any other
   * frame (HEP, keep-alives, junk before the start line, truncated, tunnels...), which then takes it.
   */
  #fastUdp(buf: Uint8Array, start: number, end: number, info: FrameInfo): boolean {
    const o = start + 14;
    if (o + 28 > end || buf[start + 12] !== 8 || buf[start + 13] !== 0 || buf[o] !== 0x45) return false;
    if (buf[o + 9] !== IPPROTO.UDP || ((buf[o + 6]! & 0x3f) | buf[o + 7]!) !== 0) return false;
    const total = (buf[o + 2]! << 8) | buf[o + 3]!;
    if (total < 28 || o + total > end || info.capLen < info.origLen) return false;
    const u = o + 20;
    const ulen = (buf[u + 4]! << 8) | buf[u + 5]!;
    let pend = o + total;
    if (ulen >= 8 && u + ulen < pend) pend = u + ulen;
    const ps = u + 8;
    if (ps >= pend) return false;
    // HEPv3 begins with "HEP3"; HEPv1/2 (first byte 1 or 2) and CR/LF fail the start-line test.
    if (buf[ps] === 0x48 && hepVersion(buf, ps, pend) !== 0) return false;
    if (sipStartLine(buf, ps, pend) <= 0) return false;
    this.stats.udpDatagrams++;
    const a = this.addresses;
    const src = a.v4(
      ((buf[o + 12]! << 24) | (buf[o + 13]! << 16) | (buf[o + 14]! << 8) | buf[o + 15]!) >>> 0,
    );
    const dst = a.v4(
      ((buf[o + 16]! << 24) | (buf[o + 17]! << 16) | (buf[o + 18]! << 8) | buf[o + 19]!) >>> 0,
    );
    this.#meta.diagnostics = null;
    this.#emit(
      buf,
      ps,
      pend,
      src,
      (buf[u]! << 8) | buf[u + 1]!,
      dst,
      (buf[u + 2]! << 8) | buf[u + 3]!,
      'UDP',
      'none',
      info.timeUs,
      null,
    );
    return true;
  }

  #network(buf: Uint8Array, o: number, end: number, etherType: number, depth: number): void {
    if (depth > MAX_TUNNEL_DEPTH) return;
    const ip = this.#ips[depth]!;
    if (etherType === ETHERTYPE_IPV4) {
      if (!decodeIpv4(buf, o, end, this.addresses, ip)) {
        this.stats.malformedIp++;
        return;
      }
    } else if (etherType === ETHERTYPE_IPV6) {
      if (!decodeIpv6(buf, o, end, this.addresses, ip)) {
        this.stats.malformedIp++;
        return;
      }
    } else if (etherType === ETHERTYPE_TEB) {
      if (!decodeEthernet(buf, o, end, this.#net)) {
        this.stats.nonIpFrames++;
        return;
      }
      this.#network(buf, this.#net.offset, end, this.#net.etherType, depth + 1);
      return;
    } else {
      this.stats.nonIpFrames++;
      return;
    }
    if (ip.fragment) {
      this.stats.ipFragments++;
      const key = `${ip.version}|${ip.src}|${ip.dst}|${ip.proto}|${ip.fragId}`;
      const r = this.#defrag.add(
        key,
        ip.fragOffset,
        ip.moreFragments,
        buf,
        ip.payloadStart,
        ip.payloadEnd,
        this.#frame,
      );
      if (!r) return;
      this.stats.ipReassembled++;
      const saveBase = this.#fileBase;
      this.#fileBase = -1;
      this.#pendingFrames = r.frames;
      this.#pendingDiags = r.diagnostics;
      this.#transport(ip, r.data, 0, r.data.length, depth, 'ip');
      this.#pendingFrames = null;
      this.#pendingDiags = null;
      this.#fileBase = saveBase;
      return;
    }
    this.#transport(ip, buf, ip.payloadStart, ip.payloadEnd, depth, 'none');
  }

  /** Frames and diagnostics of an IP-reassembled datagram being processed. */
  #pendingFrames: FrameRef[] | null = null;
  #pendingDiags: Diagnostic[] | null = null;

  #transport(ip: IpPacket, buf: Uint8Array, o: number, end: number, depth: number, reasm: Reassembly): void {
    switch (ip.proto) {
      case IPPROTO.UDP:
        this.#udp(ip, buf, o, end, reasm);
        return;
      case IPPROTO.TCP:
        this.#tcpSegment(ip, buf, o, end);
        return;
      case IPPROTO.SCTP:
        this.#sctpPacket(ip, buf, o, end, reasm);
        return;
      case IPPROTO.IPIP:
        this.stats.tunnels.ipip++;
        this.#network(buf, o, end, ETHERTYPE_IPV4, depth + 1);
        return;
      case IPPROTO.IPV6:
        this.stats.tunnels.ipip++;
        this.#network(buf, o, end, ETHERTYPE_IPV6, depth + 1);
        return;
      case IPPROTO.GRE:
        if (decodeGre(buf, o, end, this.#gre)) {
          this.stats.tunnels.gre++;
          this.#network(buf, this.#gre.offset, end, this.#gre.protocol, depth + 1);
        } else this.#otherProto(ip.proto);
        return;
      default:
        this.#otherProto(ip.proto);
    }
  }

  #otherProto(p: number): void {
    const k = String(p);
    this.stats.otherIpProtocols[k] = (this.stats.otherIpProtocols[k] ?? 0) + 1;
  }

  #udp(ip: IpPacket, buf: Uint8Array, o: number, end: number, reasm: Reassembly): void {
    if (o + 8 > end) {
      this.stats.malformedIp++;
      return;
    }
    this.stats.udpDatagrams++;
    const sp = (buf[o]! << 8) | buf[o + 1]!;
    const dp = (buf[o + 2]! << 8) | buf[o + 3]!;
    const ulen = (buf[o + 4]! << 8) | buf[o + 5]!;
    let pend = end;
    if (ulen >= 8 && o + ulen < end) pend = o + ulen;
    const ps = o + 8;
    if (hepVersion(buf, ps, pend) !== 0) {
      this.#hepPacket(buf, ps, pend, reasm);
      return;
    }
    const f = this.#dgram;
    if (!frameDatagramInto(buf, ps, pend, f)) {
      let p = ps;
      while (p < pend && (buf[p] === 13 || buf[p] === 10)) p++;
      if (p === pend && pend > ps) this.stats.keepalives++;
      else {
        if (
          reasm === 'none' &&
          this.#split?.role === 'tail' &&
          (looksLikeRtp(buf, ps, pend, sp, dp) || looksLikeDtls(buf, ps, pend, sp, dp))
        ) {
          // RTP statistics (and the DTLS-SRTP handshakes beside them) run in frame order in one part:
          // the head decodes this frame again.
          this.stats.udpDatagrams--;
          this.#handoff?.add(this.#decBuf!, this.#decStart, this.#decEnd, this.#info!);
          return;
        }
        this.stats.udpNonSip++;
        const info = this.#info!;
        const cut = info.capLen < info.origLen;
        this.media.datagram(ip.src, sp, ip.dst, dp, buf, ps, pend, info.timeUs, this.#frame.frameNo, cut);
      }
      return;
    }
    const m = this.#meta;
    m.diagnostics = this.#pendingDiags ? [...this.#pendingDiags] : null;
    if (f.junk > 0) {
      this.stats.junkBytes += f.junk;
      (m.diagnostics ??= []).push({
        code: 'sip-junk-before-message',
        severity: 'warning',
        layer: 'udp',
        message: `${f.junk} bytes that are not SIP precede the start line in the datagram`,
        span: { start: ps, end: f.start },
      });
    }
    const info = this.#info!;
    if (info.capLen < info.origLen && reasm === 'none') {
      (m.diagnostics ??= []).push({
        code: 'frame-truncated',
        severity: 'warning',
        layer: 'udp',
        message: `frame ${info.frameNo} was captured with ${info.capLen} of ${info.origLen} bytes (snap length): the message is cut`,
      });
    }
    this.#emit(buf, f.start, f.end, ip.src, sp, ip.dst, dp, 'UDP', reasm, info.timeUs, this.#pendingFrames);
  }

  #hepPacket(buf: Uint8Array, start: number, end: number, reasm: Reassembly): void {
    this.stats.hepPackets++;
    const h = this.#hep;
    const ok = decodeHep(buf, start, end, this.addresses, this.#inflate, h);
    if (h.problem) {
      this.diagnostic({
        code: h.problem,
        severity: 'warning',
        layer: 'hep',
        message:
          h.problem === 'hep-inflate-failed'
            ? `frame ${this.#frame.frameNo}: the HEP compressed payload could not be inflated (not zlib, gzip or deflate, or more than ${MAX_INFLATED >> 20} MiB inflated)`
            : `frame ${this.#frame.frameNo}: ${h.problem === 'hep-no-payload' ? 'HEP packet without a payload chunk' : 'malformed HEP chunk'}`,
      });
    }
    if (!ok) return;
    if (h.protoType !== 1) {
      this.stats.hepNonSip++;
      return;
    }
    const f = frameDatagram(h.payload, h.payloadStart, h.payloadEnd);
    if (!f) {
      this.stats.hepNonSip++;
      return;
    }
    const m = this.#meta;
    m.diagnostics = this.#pendingDiags ? [...this.#pendingDiags] : null;
    const transport: TransportName = h.ipProto === 6 ? 'TCP' : h.ipProto === 132 ? 'SCTP' : 'UDP';
    const save = this.#fileBase;
    if (h.payload !== buf) this.#fileBase = -1;
    m.hepCorrelationId = h.correlationId;
    m.hepCaptureId = h.captureId;
    const time = h.timeUs >= 0 ? h.timeUs : this.#info!.timeUs;
    this.#emit(
      h.payload,
      f.start,
      f.end,
      h.src,
      h.srcPort,
      h.dst,
      h.dstPort,
      transport,
      'hep',
      time,
      this.#pendingFrames,
    );
    void reasm;
    m.hepCorrelationId = null;
    m.hepCaptureId = 0;
    this.#fileBase = save;
  }

  #tcpSegment(ip: IpPacket, buf: Uint8Array, o: number, end: number): void {
    if (o + 20 > end) {
      this.stats.malformedIp++;
      return;
    }
    this.stats.tcpSegments++;
    const sp = (buf[o]! << 8) | buf[o + 1]!;
    const dp = (buf[o + 2]! << 8) | buf[o + 3]!;
    const seq = ((buf[o + 4]! << 24) | (buf[o + 5]! << 16) | (buf[o + 6]! << 8) | buf[o + 7]!) >>> 0;
    const hl = (buf[o + 12]! >> 4) * 4;
    const flags = buf[o + 13]!;
    if (hl < 20 || o + hl > end) {
      this.stats.malformedIp++;
      return;
    }
    const dir = this.#tcp.direction(ip.src, sp, ip.dst, dp);
    dir.current = this.#pendingFrames
      ? this.#pendingFrames[this.#pendingFrames.length - 1]!
      : {
          frameNo: this.#frame.frameNo,
          recordOffset: this.#frame.recordOffset,
          recordLength: this.#frame.recordLength,
          timeUs: this.#frame.timeUs,
          linkType: this.#frame.linkType,
        };
    dir.currentTimeUs = this.#info!.timeUs;
    dir.segment(seq, (flags & 2) !== 0, (flags & 1) !== 0, buf, o + hl, end, this.#fileBase);
  }

  #sctpPacket(ip: IpPacket, buf: Uint8Array, o: number, end: number, reasm: Reassembly): void {
    if (o + 12 > end) {
      this.stats.malformedIp++;
      return;
    }
    this.stats.sctpPackets++;
    const sp = (buf[o]! << 8) | buf[o + 1]!;
    const dp = (buf[o + 2]! << 8) | buf[o + 3]!;
    const conn = `${ip.src}:${sp}>${ip.dst}:${dp}`;
    this.#sctp.packet(conn, buf, o, end, (data, ds, de, fragmented) => {
      const f = frameDatagram(data, ds, de);
      if (!f) return;
      this.#meta.diagnostics = this.#pendingDiags ? [...this.#pendingDiags] : null;
      const save = this.#fileBase;
      if (data !== buf) this.#fileBase = -1;
      this.#emit(
        data,
        f.start,
        f.end,
        ip.src,
        sp,
        ip.dst,
        dp,
        'SCTP',
        fragmented ? 'ip' : reasm,
        this.#info!.timeUs,
        this.#pendingFrames,
      );
      this.#fileBase = save;
    });
  }

  /** Emits one message; `frames` null = the current frame only. */
  #emit(
    buf: Uint8Array,
    start: number,
    end: number,
    src: number,
    sp: number,
    dst: number,
    dp: number,
    transport: TransportName,
    reasm: Reassembly,
    timeUs: number,
    frames: FrameRef[] | null,
  ): void {
    const m = this.#meta;
    const fr = frames ?? this.#frames1;
    m.frameNo = fr[fr.length - 1]!.frameNo;
    m.timeUs = timeUs;
    m.src = src;
    m.srcPort = sp;
    m.dst = dst;
    m.dstPort = dp;
    m.transport = transport;
    m.reassembly = reasm;
    m.rawOffset = this.#fileBase >= 0 && buf === this.#frameBuf ? this.#fileBase + start : -1;
    m.frames = fr;
    this.stats.sipMessages++;
    this.#sink.message(buf, start, end, m);
    m.diagnostics = null;
  }

  /** Called by the stream consumer with one framed message of a TCP direction. */
  emitStream(
    dir: TcpDirection,
    buf: Uint8Array,
    start: number,
    end: number,
    posStart: number,
    posEnd: number,
    fileBase: number,
    transport: TransportName,
    reasm: Reassembly,
    diags: Diagnostic[] | null,
  ): void {
    const frames = dir.framesFor(posStart, posEnd);
    const m = this.#meta;
    m.diagnostics = diags;
    const save = this.#fileBase;
    const saveBuf = this.#frameBuf;
    // Contiguous in the file only when the whole message came from the frame being processed.
    this.#fileBase = fileBase >= 0 && frames.length === 1 ? fileBase : -1;
    this.#frameBuf = buf;
    const r: Reassembly = reasm === 'none' && frames.length > 1 ? 'tcp' : reasm;
    const ctx = dir.connection.contextFrames;
    m.contextFrames = ctx.length > 0 ? ctx : null;
    this.#emit(
      buf,
      start,
      end,
      dir.src,
      dir.srcPort,
      dir.dst,
      dir.dstPort,
      transport,
      r,
      dir.currentTimeUs,
      frames,
    );
    this.#fileBase = save;
    this.#frameBuf = saveBuf;
    m.contextFrames = null;
  }

  /** Decodes a HEP packet that arrived over TCP. */
  emitHepFromStream(buf: Uint8Array, start: number, end: number): void {
    const save = this.#fileBase;
    this.#fileBase = -1;
    this.#hepPacket(buf, start, end, 'tcp');
    this.#fileBase = save;
  }

  /** A pcapng Decryption Secrets Block (FrameSink.secrets): TLS key log text is kept for this capture. */
  secrets(type: number, data: Uint8Array): void {
    if (type !== DSB_TLS_KEY_LOG) return;
    (this.#dsbKeys ??= new TlsKeyLog()).addBytes(data);
  }

  /** Master secrets of the capture's TLS sessions set up with an RSA key, for the ones that resume them. */
  readonly #tlsSessions = new Map<string, Uint8Array>();

  /** The RSA keys (`--tls-key`) for a connection's server, or null when none was given. */
  #rsaHost(conn: TcpConnection): TlsRsaHost | null {
    const log = this.#keylog;
    if (!log || log.rsaKeyCount === 0) return null;
    return {
      keys: (d) => {
        const dir = conn.dirs[d];
        const server = formatHostPort(conn.names(dir.src), dir.srcPort);
        return { server, keys: log.rsaKeys(server) };
      },
      sessions: this.#tlsSessions,
    };
  }

  /** The TLS state of a connection seen to carry TLS (made on first use). */
  tlsLink(conn: TcpConnection, frameNo: number): TlsGlue {
    let g = this.#tls.get(conn);
    if (!g) {
      g = new TlsGlue(this, conn, frameNo, this.#tlsKeys, this.#tlsCrypto, this.#rsaHost(conn));
      this.#tls.set(conn, g);
    }
    return g;
  }

  /**
   * A connection seen to carry TLS. Without decryption in this reader it is reported at once; else
   * its handshake is read even without any key (session 24), so the notice can name the cipher suite
   * and what would decrypt it (a key log; the server's private key with RSA key exchange).
   */
  tlsStart(dir: TcpDirection): void {
    const g = this.tlsLink(dir.connection, dir.current.frameNo);
    if (this.#tlsCrypto) return;
    g.link.giveUp();
    this.tlsProblem(g, dir, 'no-key', 'no decryption in this reader');
  }

  readonly #tls = new Map<TcpConnection, TlsGlue>();

  /** TLS on a connection that could not be decrypted, or a record that could not be read. */
  tlsProblem(g: TlsGlue, dir: TcpDirection, what: TlsProblem, detail: string): void {
    const conn = g.conn;
    if (what === 'no-key' || !g.counted) {
      g.counted = true;
      this.stats.tlsConnections++;
    }
    if (what === 'no-key') {
      this.diagnostic({
        code: 'tls-encrypted',
        severity: 'info',
        layer: 'tcp',
        message: `TLS on ${conn.describe(conn.dirs[0])} (first frame ${g.firstFrame}): encrypted, not decoded: ${detail}`,
      });
      return;
    }
    this.diagnostic({
      code: what === 'decrypt-failed' ? 'tls-decrypt-failed' : 'tls-record-invalid',
      severity: 'warning',
      layer: 'tcp',
      message: `TLS ${conn.describe(dir)}, frame ${dir.current.frameNo}: ${detail}`,
    });
  }

  #finishing = false;

  /** The frame being read (0xffffffff while `finish()` flushes what is left at the end of input). */
  get currentFrame(): number {
    return this.#finishing ? 0xffffffff : this.#frame.frameNo;
  }

  #flushLinkRun(): void {
    if (this.#runFrames === 0) return;
    const name = linkTypeName(this.#runLink);
    this.stats.linkTypes[name] = (this.stats.linkTypes[name] ?? 0) + this.#runFrames;
    this.#runFrames = 0;
  }

  /** End of capture: flushes TCP streams and reports incomplete fragment sets. */
  finish(): void {
    this.#finishing = true;
    this.#passTcpEnd();
    this.#flushLinkRun();
    this.#tcp.flush();
    for (const g of this.#tls.values()) {
      // Only a handshake (or nothing) was seen: nothing was decrypted.
      if (!g.counted && g.link.decrypted === 0)
        this.tlsProblem(g, g.conn.dirs[0], 'no-key', g.link.idleReason);
    }
    this.#defrag.flush();
    const t = this.#tcp.stats;
    this.stats.tcpConnections = this.#tcp.connections + this.#passHeld;
    this.stats.tcpRetransmissions = t.retransmissions;
    this.stats.tcpOutOfOrder = t.outOfOrder;
    this.stats.tcpGaps = t.gaps;
    this.stats.sctpPackets = this.#sctp.stats.packets;
  }
}

/** The capture time in µs of the ingest pass's row at `o` (`ns`: the fraction is nanoseconds). */
function rowTimeUs(t: Int32Array, o: number, ns: boolean): number {
  const frac = t[o + P_FRAC]! >>> 0;
  return (t[o + P_SEC]! >>> 0) * 1e6 + (ns ? Math.floor(frac / 1000) : frac);
}

/**
 * True when the frame is a UDP datagram in an unfragmented IPv4 packet or an IPv6 packet without
 * extension headers, straight after the link layer: decoding it needs no earlier frame (the frames a
 * two-part ingest leaves to its tail part). Both parts call this, so they agree on every frame.
 */
export function isStatelessUdp(
  linkType: number,
  buf: Uint8Array,
  start: number,
  end: number,
  net: NetStart,
): boolean {
  if (!decodeLink(linkType, buf, start, end, net)) return false;
  const o = net.offset;
  if (net.etherType === ETHERTYPE_IPV4) {
    if (o + 20 > end || buf[o]! >> 4 !== 4 || buf[o + 9] !== IPPROTO.UDP) return false;
    return (((buf[o + 6]! << 8) | buf[o + 7]!) & 0x3fff) === 0;
  }
  if (net.etherType === ETHERTYPE_IPV6)
    return o + 40 <= end && buf[o]! >> 4 === 6 && buf[o + 6] === IPPROTO.UDP;
  return false;
}

/** Per-direction protocol detection and SIP framing on a reassembled TCP stream. */
class SipStreamConsumer implements StreamConsumer, StreamFramerSink {
  mode: Mode = 'detect';
  /** Bytes discarded while looking for SIP in an unknown stream. */
  #scanned = 0;
  #wsParts: Uint8Array[] = [];
  #wsPartsPos = -1;
  readonly #ws = newWsFrame();
  // Context of the current data() call, for the framer callbacks.
  #dir: TcpDirection | null = null;
  #pos = 0;
  #start = 0;
  #fileBase = -1;

  constructor(
    private readonly p: CapturePipeline,
    /** The plaintext of a TLS connection: its messages are TLS / WSS. */
    private readonly inTls = false,
  ) {}

  data(
    dir: TcpDirection,
    buf: Uint8Array,
    start: number,
    end: number,
    pos: number,
    fileBase: number,
  ): number {
    this.#dir = dir;
    this.#pos = pos;
    this.#start = start;
    this.#fileBase = fileBase;
    let p = start;
    for (;;) {
      switch (this.mode) {
        case 'sip':
          return frameStream(buf, p, end, this) - start;
        case 'tls':
          return (
            p -
            start +
            this.p
              .tlsLink(dir.connection, dir.current.frameNo)
              .data(dir, buf, p, end, this.#pos + (p - start))
          );
        case 'other':
          return end - start;
        case 'ws':
          return this.#wsFrames(dir, buf, p, end) - start;
        case 'hep': {
          while (end - p >= 6) {
            const len = hep3Length(buf, p, end);
            if (buf[p] !== 0x48 || len < 6) {
              this.mode = 'other';
              return end - start;
            }
            if (end - p < len) break;
            this.p.emitHepFromStream(buf, p, p + len);
            p += len;
          }
          return p - start;
        }
        case 'ws-await': {
          const head = readHttpHead(buf, p, end);
          if (!head) return end - p > 65536 ? end - start : p - start;
          this.#context(dir, p, head.end);
          p = head.end;
          this.mode = head.kind === 'switching' ? 'ws' : 'other';
          if (this.mode === 'other') this.#nonSip(dir, 'HTTP');
          continue;
        }
        case 'detect': {
          while (p < end && (buf[p] === 13 || buf[p] === 10)) p++;
          if (p >= end) return p - start;
          const conn = dir.connection;
          if (conn.kind === 'tls') {
            this.mode = 'tls';
            continue;
          }
          const b0 = buf[p]!;
          if (b0 >= 20 && b0 <= 23 && end - p >= 3 && buf[p + 1] === 3 && buf[p + 2]! <= 4) {
            this.mode = 'tls';
            if (!conn.reportedTls) {
              conn.reportedTls = true;
              conn.kind = 'tls';
              this.p.tlsStart(dir);
            }
            continue;
          }
          if (hepVersion(buf, p, end) === 3) {
            this.mode = 'hep';
            conn.kind = 'hep';
            continue;
          }
          const sl = sipStartLine(buf, p, end);
          if (sl > 0) {
            this.mode = 'sip';
            conn.kind = 'sip';
            continue;
          }
          const http = isHttpStart(buf, p, end);
          if (http === null || (sl === 0 && http !== false)) return p - start;
          if (http) {
            const head = readHttpHead(buf, p, end);
            if (!head) return end - p > 65536 ? end - start : p - start;
            if (head.kind === 'upgrade-request') {
              this.#context(dir, p, head.end);
              p = head.end;
              this.mode = 'ws';
              conn.kind = 'ws';
              const other = conn.other(dir).consumer;
              if (other instanceof SipStreamConsumer && other.mode === 'detect') other.mode = 'ws-await';
              continue;
            }
            if (head.kind === 'switching') {
              this.#context(dir, p, head.end);
              p = head.end;
              this.mode = 'ws';
              continue;
            }
            this.mode = 'other';
            this.#nonSip(dir, 'HTTP');
            return end - start;
          }
          if (sl === 0) return p - start;
          // Not a start line here: look for one later (capture started mid-stream, junk).
          const q = this.#findStartLine(buf, p, end);
          if (q >= 0) {
            this.#junk(p, q - p);
            p = q;
            this.mode = 'sip';
            conn.kind = 'sip';
            continue;
          }
          const lastLf = buf.lastIndexOf(10, end - 1);
          const stop = lastLf >= p ? lastLf + 1 : end - p > 4096 ? end : p;
          this.#scanned += stop - p;
          if (this.#scanned > 65536) {
            this.mode = 'other';
            this.#nonSip(dir, 'unknown');
            return end - start;
          }
          return stop - start;
        }
      }
    }
  }

  /** Remembers the frames of an HTTP upgrade head `[from, to)` (buffer indices) as connection context. */
  #context(dir: TcpDirection, from: number, to: number): void {
    const ctx = dir.connection.contextFrames;
    for (const f of dir.framesFor(this.#pos + (from - this.#start), this.#pos + (to - this.#start))) {
      if (!ctx.some((c) => c.frameNo === f.frameNo)) ctx.push({ ...f });
    }
    ctx.sort((a, b) => a.frameNo - b.frameNo);
  }

  #findStartLine(buf: Uint8Array, p: number, end: number): number {
    let lf = buf.indexOf(10, p);
    while (lf >= 0 && lf + 1 < end) {
      if (sipStartLine(buf, lf + 1, end) > 0) return lf + 1;
      lf = buf.indexOf(10, lf + 1);
    }
    return -1;
  }

  #nonSip(dir: TcpDirection, what: string): void {
    const conn = dir.connection;
    if (conn.kind !== 'other') {
      conn.kind = 'other';
      this.p.stats.nonSipTcpConnections++;
      const d0 = conn.dirs[0];
      if (SIP_PORTS.has(d0.srcPort) || SIP_PORTS.has(d0.dstPort)) {
        this.p.diagnostic({
          code: 'non-sip-on-sip-port',
          severity: 'info',
          layer: 'tcp',
          message: `${what} traffic on a SIP port (${conn.describe(d0)}, frame ${dir.current.frameNo}) is not SIP and was not decoded as SIP`,
        });
      }
    }
  }

  #junk(at: number, count: number): void {
    this.p.stats.junkBytes += count;
    const dir = this.#dir!;
    this.p.diagnostic({
      code: 'sip-stream-resync',
      severity: 'warning',
      layer: 'tcp',
      message: `TCP ${dir.connection.describe(dir)}: ${count} bytes that are not SIP skipped before frame ${dir.current.frameNo}`,
    });
    void at;
  }

  // StreamFramerSink
  message(buf: Uint8Array, start: number, end: number, flag: FrameFlag): void {
    const dir = this.#dir!;
    const posStart = this.#pos + (start - this.#start);
    const posEnd = this.#pos + (end - this.#start);
    let diags: Diagnostic[] | null = null;
    if (flag) {
      diags = [
        {
          code: flag === 'truncated' ? 'stream-message-truncated' : flag,
          severity: flag === 'truncated' ? 'warning' : 'error',
          layer: flag === 'truncated' ? 'tcp' : 'sip',
          message:
            flag === 'truncated'
              ? 'the capture ends before this message does'
              : flag === 'content-length-missing'
                ? 'no Content-Length on a stream transport: the message is taken to end at the empty line'
                : 'Content-Length is not a valid number: the message is taken to end at the empty line',
          rfc: flag === 'truncated' ? undefined : '3261 §18.3',
        },
      ];
    }
    this.p.emitStream(
      dir,
      buf,
      start,
      end,
      posStart,
      posEnd,
      this.#fileBase,
      this.inTls ? 'TLS' : 'TCP',
      'none',
      diags,
    );
  }

  junk(_buf: Uint8Array, start: number, count: number): void {
    this.#junk(start, count);
  }

  #wsFrames(dir: TcpDirection, buf: Uint8Array, p: number, end: number): number {
    const f = this.#ws;
    for (;;) {
      const n = readWsFrame(buf, p, end, f);
      if (n === 0) return p;
      if (n < 0) {
        this.p.diagnostic({
          code: 'ws-frame-invalid',
          severity: 'warning',
          layer: 'ws',
          message: `WebSocket ${dir.connection.describe(dir)}: bytes that are not a valid frame before frame ${dir.current.frameNo}; looking for SIP again`,
        });
        this.mode = 'detect';
        this.#wsParts = [];
        return p;
      }
      const framePos = this.#pos + (p - this.#start);
      if (
        f.opcode === WS_OPCODE.TEXT ||
        f.opcode === WS_OPCODE.BINARY ||
        f.opcode === WS_OPCODE.CONTINUATION
      ) {
        if (f.opcode !== WS_OPCODE.CONTINUATION) {
          this.#wsParts = [];
          this.#wsPartsPos = framePos;
        }
        const part = new Uint8Array(f.payloadLength);
        copyWsPayload(buf, f, part, 0);
        this.#wsParts.push(part);
        if (f.fin) {
          const parts = this.#wsParts;
          this.#wsParts = [];
          let msg: Uint8Array;
          if (parts.length === 1) msg = parts[0]!;
          else {
            msg = new Uint8Array(parts.reduce((s, x) => s + x.length, 0));
            let o = 0;
            for (const x of parts) {
              msg.set(x, o);
              o += x.length;
            }
          }
          this.p.stats.wsMessages++;
          const df = frameDatagram(msg, 0, msg.length);
          if (df) {
            const posStart = this.#wsPartsPos >= 0 ? this.#wsPartsPos : framePos;
            this.p.emitStream(
              dir,
              msg,
              df.start,
              df.end,
              posStart,
              framePos + n,
              -1,
              this.inTls ? 'WSS' : 'WS',
              'ws',
              null,
            );
          }
        }
      }
      p += n;
    }
  }

  gap(dir: TcpDirection, _missing: number): void {
    if (this.mode === 'tls') this.p.tlsLink(dir.connection, 0).gap(dir);
    this.#wsParts = [];
    if (this.mode === 'ws') this.mode = 'detect';
  }

  end(dir: TcpDirection, buf: Uint8Array, start: number, end: number, pos: number): void {
    if (this.mode === 'tls') this.p.tlsLink(dir.connection, 0).end(dir, start, end, pos);
    if (end <= start) return;
    this.#dir = dir;
    this.#pos = pos;
    this.#start = start;
    this.#fileBase = -1;
    if (this.mode === 'sip') frameStream(buf, start, end, this, true);
  }
}

/**
 * TLS on one TCP connection (tls/tls-stream.ts): the records of both directions go to its TlsLink;
 * the plaintext goes to a connection of its own with the same addresses, read as plain TCP is (SIP,
 * or WebSocket after an HTTP upgrade) but named TLS / WSS. A record's plaintext is credited to the
 * frames that carried the record (the one that completed it last).
 */
class TlsGlue {
  readonly link: TlsLink;
  readonly inner: TcpConnection;
  counted = false;
  #dir: TcpDirection | null = null;

  constructor(
    private readonly p: CapturePipeline,
    readonly conn: TcpConnection,
    readonly firstFrame: number,
    keys: (random: string) => TlsSecrets | null,
    crypto: TlsCrypto | null,
    rsa: TlsRsaHost | null,
  ) {
    const d0 = conn.dirs[0];
    const report = (d: Diagnostic): void => p.diagnostic(d);
    const stats = { segments: 0, retransmissions: 0, overlaps: 0, outOfOrder: 0, gaps: 0, gapBytes: 0 };
    this.inner = new TcpConnection(
      () => new SipStreamConsumer(p, true),
      d0.src,
      d0.srcPort,
      d0.dst,
      d0.dstPort,
      stats,
      report,
      conn.names,
    );
    this.link = new TlsLink(
      {
        plaintext: (d, bytes, pos, end) => this.#plaintext(d, bytes, pos, end),
        problem: (d, what, detail) => p.tlsProblem(this, this.#dir ?? conn.dirs[d], what, detail),
      },
      keys,
      crypto,
      rsa,
    );
  }

  #index(dir: TcpDirection): 0 | 1 {
    return dir === this.conn.dirs[0] ? 0 : 1;
  }

  data(dir: TcpDirection, buf: Uint8Array, start: number, end: number, pos: number): number {
    this.#dir = dir;
    return this.link.records(this.#index(dir), buf, start, end, pos);
  }

  gap(dir: TcpDirection): void {
    this.#dir = dir;
    this.link.gap(this.#index(dir), dir.pos);
  }

  end(dir: TcpDirection, start: number, end: number, pos: number): void {
    this.#dir = dir;
    const d = this.#index(dir);
    this.link.end(d, start, end, pos);
    this.inner.dirs[d].flush();
  }

  #plaintext(d: 0 | 1, bytes: Uint8Array, pos: number, end: number): void {
    const outer = this.conn.dirs[d];
    const inner = this.inner.dirs[d];
    const frames = outer.framesFor(pos, end);
    inner.currentTimeUs = outer.currentTimeUs;
    let o = 0;
    // The record's first bytes are credited to the earlier frames that carried it (one byte each).
    if (bytes.length >= frames.length) {
      for (let i = 0; i < frames.length - 1; i++, o++) {
        inner.current = frames[i]!;
        inner.segment(inner.nextSeq < 0 ? 0 : inner.nextSeq, false, false, bytes, o, o + 1, -1);
      }
    }
    inner.current = outer.current;
    inner.segment(inner.nextSeq < 0 ? 0 : inner.nextSeq, false, false, bytes, o, bytes.length, -1);
  }
}
