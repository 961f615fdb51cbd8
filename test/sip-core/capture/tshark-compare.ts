/**
 * Test helper: what tshark decodes as SIP in a capture, message by message, and a comparison with
 * sipscope's trace. tshark's `-T json --no-duplicate-keys` output turns repeated layers (tunnels,
 * several SIP messages in one frame) into arrays, so every message keeps its own fields.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { inflateRawSync, inflateSync, gunzipSync } from 'node:zlib';
import { ingestBytes, type IngestResult } from '../../../src/sip-core/trace/trace-builder';
import { toTraceJson, type TraceMessageJson } from '../../../src/sip-core/trace/trace-json';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '../../..');
/** `<repo>/../shared/captures/public` (not copied into the project). */
export const PUBLIC_CAPTURES = resolve(REPO, '../shared/captures/public');
export const FIXTURES = resolve(REPO, 'test/fixtures/capture');
export const havePublic = existsSync(PUBLIC_CAPTURES);

/** The fields compared with tshark. */
export interface ComparableMessage {
  frame: number;
  timeUs: number;
  src: string;
  dst: string;
  method: string | null;
  status: number | null;
  callId: string | null;
  cseq: number | null;
  branch: string | null;
  fromTag: string | null;
  toTag: string | null;
  viaCount: number;
  recordRouteCount: number;
}

type Json = Record<string, unknown>;
const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
const last = <T>(x: T | T[] | undefined): T | undefined => {
  const a = asArray(x);
  return a[a.length - 1];
};

/** Splits a header value on top-level commas (outside quotes and <>). */
export function countValues(v: string): number {
  let n = 1;
  let q = false;
  let angle = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === '\\' && q) i++;
    else if (c === '"') q = !q;
    else if (!q && c === '<') angle++;
    else if (!q && c === '>') angle = Math.max(0, angle - 1);
    else if (!q && angle === 0 && c === ',') n++;
  }
  return n;
}

/** Finds a key anywhere below `o` (depth-first), returning the first hit. */
function find(o: unknown, key: string): unknown {
  if (o === null || typeof o !== 'object') return undefined;
  if (Array.isArray(o)) {
    for (const x of o) {
      const r = find(x, key);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  const j = o as Json;
  if (key in j) return j[key];
  for (const v of Object.values(j)) {
    const r = find(v, key);
    if (r !== undefined) return r;
  }
  return undefined;
}

const microsFromEpoch = (s: string): number => {
  const [sec, frac = ''] = s.split('.');
  return Number(sec) * 1e6 + Number((frac + '000000').slice(0, 6));
};

const hostPort = (addr: string, port: string | number): string =>
  addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;

/** SIP messages as tshark decodes them (`-Y sip`), in frame order. */
export function tsharkMessages(tshark: string, file: string, extra: string[] = []): ComparableMessage[] {
  const out = execFileSync(
    tshark,
    [
      '-n',
      '-r',
      file,
      ...extra,
      '-Y',
      'sip',
      '-T',
      'json',
      '--no-duplicate-keys',
      '-J',
      'frame ip ipv6 udp tcp sctp sip',
    ],
    {
      maxBuffer: 512 * 1024 * 1024,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      // A NetMon file's start time has no zone: tshark reads it in the local one, sipscope as UTC.
      env: { ...process.env, TZ: 'UTC' },
    },
  );
  const packets = JSON.parse(out) as { _source: { layers: Json } }[];
  const msgs: ComparableMessage[] = [];
  for (const p of packets) {
    const l = p._source.layers;
    const frame = l.frame as Json;
    const ip = last(l.ip as Json | Json[]);
    const ip6 = last(l.ipv6 as Json | Json[]);
    // The innermost network layer is the one that carried the SIP message.
    const keys = Object.keys(l);
    const useV6 = ip6 !== undefined && (ip === undefined || keys.indexOf('ipv6') > keys.indexOf('ip'));
    const inner = useV6
      ? { src: ip6['ipv6.src'] as string, dst: ip6['ipv6.dst'] as string }
      : { src: ip?.['ip.src'] as string, dst: ip?.['ip.dst'] as string };
    const tp = (last(l.tcp as Json | Json[]) ??
      last(l.udp as Json | Json[]) ??
      last(l.sctp as Json | Json[])) as Json | undefined;
    const sport = (tp?.['tcp.srcport'] ?? tp?.['udp.srcport'] ?? tp?.['sctp.srcport']) as string;
    const dport = (tp?.['tcp.dstport'] ?? tp?.['udp.dstport'] ?? tp?.['sctp.dstport']) as string;
    for (const s of asArray(l.sip as Json | Json[])) {
      const method = (find(s['sip.Request-Line_tree'], 'sip.Method') as string | undefined) ?? null;
      const statusS = find(s['sip.Status-Line_tree'], 'sip.Status-Code') as string | undefined;
      if (!method && !statusS) continue; // "Continuation" frames: not a SIP message
      const hdr = (s['sip.msg_hdr_tree'] ?? {}) as Json;
      const vias = asArray(hdr['sip.Via'] as string | string[]);
      const rrs = asArray(hdr['sip.Record-Route'] as string | string[]);
      const viaTree = asArray(hdr['sip.Via_tree'] as Json | Json[])[0];
      const cseqTree = asArray(hdr['sip.CSeq_tree'] as Json | Json[])[0];
      const fromTree = asArray(hdr['sip.From_tree'] as Json | Json[])[0];
      const toTree = asArray(hdr['sip.To_tree'] as Json | Json[])[0];
      const callId = asArray(hdr['sip.Call-ID'] as string | string[])[0] ?? null;
      const cseq = cseqTree?.['sip.CSeq.seq'];
      msgs.push({
        frame: Number(frame['frame.number']),
        // A pcapng Simple Packet Block has no timestamp: tshark shows none, the trace says 0.
        timeUs:
          frame['frame.time_epoch'] === undefined ? 0 : microsFromEpoch(frame['frame.time_epoch'] as string),
        src: hostPort(inner.src, sport),
        dst: hostPort(inner.dst, dport),
        method,
        status: statusS ? Number(statusS) : null,
        callId,
        cseq: cseq !== undefined ? Number(cseq) : null,
        branch: asArray(viaTree?.['sip.Via.branch'] as string | string[] | undefined)[0] ?? null,
        fromTag: (fromTree?.['sip.from.tag'] as string | undefined) ?? null,
        toTag: (toTree?.['sip.to.tag'] as string | undefined) ?? null,
        viaCount: vias.reduce((n, v) => n + countValues(v), 0),
        recordRouteCount: rrs.reduce((n, v) => n + countValues(v), 0),
      });
    }
  }
  return msgs;
}

export const zlibInflate = (d: Uint8Array): Uint8Array | null => {
  for (const f of [inflateSync, gunzipSync, inflateRawSync]) {
    try {
      return new Uint8Array(f(d));
    } catch {
      // try the next format
    }
  }
  return null;
};

/** Reads a capture with sipscope (whole file in memory, as an upload). */
export function ingestFile(file: string): IngestResult {
  return ingestBytes(new Uint8Array(readFileSync(file)), file.split('/').pop()!, {
    inflate: zlibInflate,
    gunzip: (b) => new Uint8Array(gunzipSync(b)),
  });
}

export function ourMessages(r: IngestResult): ComparableMessage[] {
  return toTraceJson(r.trace).messages.map((m: TraceMessageJson) => ({
    frame: m.frame,
    timeUs: Math.round(m.time * 1e6),
    src: m.src,
    dst: m.dst,
    method: m.method,
    status: m.status,
    callId: m.callId,
    cseq: m.cseq,
    branch: m.branch,
    fromTag: m.fromTag,
    toTag: m.toTag,
    viaCount: m.viaCount,
    recordRouteCount: m.recordRouteCount,
  }));
}

/** Differences between two message lists (empty = 100% agreement). */
export function compareMessages(ours: ComparableMessage[], theirs: ComparableMessage[]): string[] {
  const diffs: string[] = [];
  if (ours.length !== theirs.length) diffs.push(`count: sipscope ${ours.length}, tshark ${theirs.length}`);
  const n = Math.min(ours.length, theirs.length);
  for (let i = 0; i < n && diffs.length < 20; i++) {
    const a = ours[i]!;
    const b = theirs[i]!;
    for (const k of Object.keys(b) as (keyof ComparableMessage)[]) {
      if (a[k] !== b[k])
        diffs.push(
          `message ${i} (tshark frame ${b.frame}) ${k}: sipscope ${JSON.stringify(a[k])}, tshark ${JSON.stringify(b[k])}`,
        );
    }
  }
  return diffs;
}
