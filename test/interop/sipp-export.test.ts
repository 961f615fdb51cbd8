/**
 * A captured call replayed with real SIPp (export/sipp.ts): both ends of an exchange exported from a
 * capture, run against each other on 127.0.0.1 (`-m 1`, bounded), the run captured by dumpcap on lo
 * and opened with sipscope: the replayed call has the same messages (methods and status codes, in
 * the same directions) as the captured exchange, and the same outcome (state, final code). The
 * built-in samples (answered, busy, unknown user; the problems sample's calls), the public captures
 * that hold whole calls (a CANCEL and 408, a REGISTER challenged with 401, a G.711 call, a fax call
 * re-INVITEd to T.38, PRACK and UPDATE over IPv6, SIP over WebSocket and TCP: read-only, skipped when
 * absent), and a caller export through Kamailio to the callee export.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requirePeer } from '../helpers/peers';
import {
  captureLo,
  cleanupAfterEach,
  explainOnFailure,
  freePort,
  KAMAILIO_MODULES,
  REPO,
  runSipp,
  sleep,
  startKamailio,
  startSippUas,
  workDir,
} from './helpers/run-peers';
import { analyzeTrace, ladderModel, type TraceAnalyzer } from '../../src/sip-core/analysis';
import { sippExport, type SippExport, type SippMedia } from '../../src/sip-core/analysis/export/sipp';
import { sippMediaPcap } from '../../src/main/service/stream-audio';
import { traceMedia } from '../../src/sip-core/media/media-json';
import { ingestBytes } from '../../src/sip-core/trace/trace-builder';
import { buildPcap } from '../../src/sip-core/capture/writer/synthesize';

const sipp = requirePeer('sipp');
const dumpcap = sipp ? requirePeer('dumpcap') : null;
const kamailio = sipp && dumpcap ? requirePeer('kamailio') : null;
const tshark = sipp && dumpcap ? requirePeer('tshark') : null;
const editcap = sipp && dumpcap ? requirePeer('editcap') : null;
const cleanup = cleanupAfterEach();
const PUBLIC = '/work/shared/captures/public';

const open = (file: string): TraceAnalyzer =>
  analyzeTrace(ingestBytes(new Uint8Array(readFileSync(file)), file.split('/').pop()!).trace);
const sample = (name: string): TraceAnalyzer => open(join(REPO, 'resources/samples', name));
/**
 * A built-in scenario (or a scenario file) run by the simulator (`sipscope simulate NAME --pcap`),
 * opened. `at`: the capture as that node's wire has it — the packets lost on their way to it (the
 * simulator writes each as it left its sender) deleted with editcap.
 */
function simulated(name: string, at?: string): TraceAnalyzer {
  const base = name
    .split('/')
    .pop()!
    .replace(/\.yaml$/, '');
  const dir = workDir(`sipp-export-sim-${base}`);
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, `${base}.pcap`);
  const json = execFileSync(
    process.execPath,
    [join(REPO, 'bin/sipscope.js'), 'simulate', name, '--pcap', file, ...(at ? ['--format', 'json'] : [])],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (!at) return open(file);
  // (frame n is message n: these scenarios send no RTP)
  const lost = (JSON.parse(json) as { messages: { dstNode: string; dropped: string | null }[] }).messages
    .map((m, k) => (m.dstNode === at && m.dropped ? String(k + 1) : ''))
    .filter((n) => n !== '');
  const kept = join(dir, `${base}-at-${at}.pcap`);
  execFileSync(editcap!, [file, kept, ...lost]);
  return open(kept);
}
/** The scenario files of test/interop/sim. */
const simFile = (name: string): string => join(REPO, 'test/interop/sim', `${name}.yaml`);

/** The messages between `side` and `peer` in a call, as `→ INVITE` / `← 180` seen from `side`. */
function exchange(a: TraceAnalyzer, call: string, side: string, peer: string): string[] {
  const m = ladderModel(a, call)!;
  const id = (i: number): string => m.lanes[i]!.id;
  return m.arrows
    .filter((x) => !x.retransmission && [side, peer].includes(id(x.from)) && [side, peer].includes(id(x.to)))
    .map((x) => `${id(x.from) === side ? '→' : '←'} ${x.kind === 'request' ? x.method : x.status}`);
}

/** The RTP payloads (hex) tshark reads from `src`:`port` (to port `dstPort`) in `file`, in capture order. */
function rtpPayloads(file: string, src: string, port: number, dstPort?: number): string[] {
  const filter = `rtp && ip.src == ${src} && udp.srcport == ${port}${dstPort ? ` && udp.dstport == ${dstPort}` : ''}`;
  const out = execFileSync(
    tshark!,
    ['-r', file, '-o', 'rtp.heuristic_rtp:TRUE', '-Y', filter, '-T', 'fields', '-e', 'rtp.payload'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  return out.split('\n').filter((l) => l.trim() !== '');
}

/** One call, 20 s at most beyond the scenarios' own pauses (a captured 2xx's retransmissions: 27 s). */
function sippBounds(x: SippExport): string[] {
  const pauses = (xml: string): number =>
    [...xml.matchAll(/<pause milliseconds="(\d+)"/g)].reduce((n, m) => n + Number(m[1]), 0);
  const s = 20 + Math.ceil(Math.max(pauses(x.scenario.xml), pauses(x.peer.xml)) / 1000);
  return ['-m', '1', '-timeout', String(s), '-timeout_error', '-i', '127.0.0.1'];
}

interface Replay {
  /** The replayed trace, and the addresses the exported side and its peer had in the run. */
  a: TraceAnalyzer;
  side: string;
  peer: string;
  client: number | null;
  server: number | null;
  /** The run's capture, and the media ports given to SIPp (0: no media). */
  file: string;
  mediaPorts: { client: number; server: number };
}

/**
 * Runs the export's two scenarios against each other (the server first), or with Kamailio between
 * them when `proxy` is given (its config gets the server's address), captured on lo.
 */
async function replay(
  x: SippExport,
  tag: string,
  proxy?: string,
  media?: Record<string, Uint8Array>,
): Promise<Replay> {
  const dir = workDir(`sipp-export-${tag}`);
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  const [client, server] = x.scenario.mode === 'client' ? [x.scenario, x.peer] : [x.peer, x.scenario];
  expect(client.mode).toBe('client');
  expect(server.mode).toBe('server');
  writeFileSync(join(dir, 'client.xml'), client.xml);
  writeFileSync(join(dir, 'server.xml'), server.xml);
  for (const [f, bytes] of Object.entries(media ?? {})) writeFileSync(join(dir, f), bytes);
  const ps = await freePort();
  const pc = await freePort();
  const pk = proxy ? await freePort() : 0;
  // media ports: SIPp's RTP (and RTCP, the next one) of each end
  const [mps, mpc] = media ? [await freePort(), await freePort()] : [0, 0];
  const file = join(dir, 'replay.pcapng');
  const ports = [ps, pc, pk, mps, mpc].filter((p) => p > 0);
  const cap = await captureLo(dumpcap!, ports.map((p) => `udp port ${p}`).join(' or '), file, cleanup);
  let target = `127.0.0.1:${ps}`;
  if (proxy) {
    const k = startKamailio(
      kamailio!,
      proxy
        .replaceAll('__PROXY__', `127.0.0.1:${pk}`)
        .replaceAll('__UAS__', `127.0.0.1:${ps}`)
        .replaceAll('__MODULES__', KAMAILIO_MODULES),
      dir,
    );
    cleanup.push(() => k.stop());
    target = `127.0.0.1:${pk}`;
    await sleep(1500);
  }
  const mp = (port: number): string[] => (port ? ['-mp', String(port)] : []);
  const bounds = sippBounds(x);
  const ms = 10_000 + 1000 * Number(bounds[3]);
  const srv = startSippUas(
    sipp!,
    ['-sf', 'server.xml', '-p', String(ps), ...mp(mps), ...bounds],
    dir,
    'server',
  );
  cleanup.push(() => srv.stop());
  await sleep(500);
  const cli = await runSipp(
    sipp!,
    ['-sf', 'client.xml', target, '-p', String(pc), ...mp(mpc), ...bounds],
    dir,
    'client',
    ms,
  );
  const srvCode = await Promise.race([srv.exited, sleep(ms).then(() => null)]);
  await cap.stop();
  expect(existsSync(file)).toBe(true);
  const a = open(file);
  const sideIsClient = x.scenario.mode === 'client';
  const clientAddr = `127.0.0.1:${pc}`;
  const serverAddr = proxy ? `127.0.0.1:${pk}` : `127.0.0.1:${ps}`;
  const r: Replay = {
    a,
    side: sideIsClient ? clientAddr : serverAddr,
    peer: sideIsClient ? serverAddr : clientAddr,
    client: cli.code,
    server: srvCode,
    file,
    mediaPorts: { client: mpc, server: mps },
  };
  if (cli.code !== 0 || srvCode !== 0)
    throw new Error(
      `SIPp failed (client ${cli.code}, server ${srvCode}):\n${cli.output.slice(-3000)}\n${srv.output().slice(-3000)}\n${cli.messages.slice(-6000)}`,
    );
  return r;
}

/** Replays `side` of `call` and checks the replay against the capture. */
async function replaysAsCaptured(
  a: TraceAnalyzer,
  call: string,
  side: string,
  tag: string,
): Promise<SippExport> {
  const x = sippExport(a, call, { side });
  const want = exchange(a, call, x.scenario.side, x.scenario.peer);
  expect(want.length).toBeGreaterThan(0);
  const r = await replay(x, tag);
  const calls = r.a.calls();
  await explainOnFailure(
    () => {
      expect(calls.length).toBe(1);
      expect(exchange(r.a, calls[0]!.id, r.side, r.peer)).toEqual(want);
      if (side === 'caller') {
        // The caller's exchange is the whole call as the caller saw it: same state and final response.
        const orig = a.callSummary(a.resolveCall(call));
        expect([calls[0]!.state, calls[0]!.finalStatus]).toEqual([orig.state, orig.finalStatus]);
      }
    },
    () => ({ caller: x.scenario.xml, peer: x.peer.xml }),
  );
  return x;
}

/**
 * The To-tag of each message between `side` and `peer` in a call (retransmissions left out), seen
 * from `side`: `→ INVITE -`, `← 180 t1`, `→ ACK t2`.
 */
function toTags(a: TraceAnalyzer, call: string, side: string, peer: string): string[] {
  const m = ladderModel(a, call)!;
  const dec = new TextDecoder();
  const id = (i: number): string => m.lanes[i]!.id;
  return m.arrows
    .filter((x) => !x.retransmission && [side, peer].includes(id(x.from)) && [side, peer].includes(id(x.to)))
    .map((x) => {
      const msg = a.trace.message(x.id);
      const text = dec.decode(msg.raw.subarray(msg.start, msg.end));
      const tag = /^(?:To|t)\s*:[^\r\n]*?;\s*tag=([^;\s>]+)/im.exec(text)?.[1] ?? '-';
      return `${id(x.from) === side ? '→' : '←'} ${x.kind === 'request' ? x.method : x.status} ${tag}`;
    });
}

/** `t1` → `A`, in order of first appearance: the same tags in the same places, whatever their values. */
const tagShape = (l: string[]): string[] => {
  const seen = new Map<string, string>();
  return l.map((x) => {
    const [d, w, t] = x.split(' ') as [string, string, string];
    if (t !== '-' && !seen.has(t)) seen.set(t, String.fromCharCode(65 + seen.size));
    return `${d} ${w} ${t === '-' ? '-' : seen.get(t)}`;
  });
};

describe.skipIf(!sipp || !dumpcap)('SIPp replays of captured calls', () => {
  const calls = sample('sample-call.pcap');
  it('the sample: an answered call, a busy callee, an unknown user — caller and callee sides', async () => {
    for (const c of ['C1', 'C4', 'C5']) {
      await replaysAsCaptured(calls, c, 'caller', `call-${c}-caller`);
      await replaysAsCaptured(calls, c, 'callee', `call-${c}-callee`);
    }
  }, 120_000);

  it('the problems sample: the ACK that never reached erin, the callee where nothing listens (408), Max-Forwards 0 (483), a MESSAGE', async () => {
    const problems = sample('sample-problems.pcap');
    for (const c of ['C2', 'C3', 'C4', 'C5']) {
      await replaysAsCaptured(problems, c, 'caller', `problems-${c}-caller`);
      await replaysAsCaptured(problems, c, 'callee', `problems-${c}-callee`);
    }
  }, 180_000);

  /**
   * The copies of one message `from` sent `to` in a call (retransmissions too; `what` a method or a
   * status) and how many messages `to` sent back: the replay has as many, at the capture's gaps.
   */
  async function unansweredAsCaptured(
    a: TraceAnalyzer,
    call: string,
    side: 'caller' | 'callee',
    what: string | number,
    want: { copies: number; back: number },
  ): Promise<void> {
    const x = sippExport(a, call, { side });
    const copies = (t: TraceAnalyzer, c: string, from: string, to: string) => {
      const m = ladderModel(t, c)!;
      const id = (i: number): string => m.lanes[i]!.id;
      const mine = m.arrows.filter(
        (y) => (y.method === what || y.status === what) && id(y.from) === from && id(y.to) === to,
      );
      const first = mine[0]?.time ?? Infinity;
      const back = m.arrows.filter((y) => id(y.from) === to && id(y.to) === from && y.time > first);
      return { times: mine.map((y) => y.time), back: back.length };
    };
    const orig = copies(a, call, x.scenario.side, x.scenario.peer);
    expect([orig.times.length, orig.back]).toEqual([want.copies, want.back]);
    const r = await replay(x, `unanswered-${call}-${side}`);
    await explainOnFailure(
      () => {
        const got = copies(r.a, r.a.calls()[0]!.id, r.side, r.peer);
        expect([got.times.length, got.back]).toEqual([want.copies, want.back]);
        // each gap as captured (0.5, 1, 2, 4… s; SIPp's pause is a lower bound, a busy machine adds)
        const gaps = (t: number[]): number[] => t.slice(1).map((v, k) => v - t[k]!);
        gaps(got.times).forEach((g, k) => {
          expect(g).toBeGreaterThanOrEqual(gaps(orig.times)[k]! - 0.02);
          expect(g).toBeLessThan(gaps(orig.times)[k]! + 0.5);
        });
      },
      () => ({ side: x.scenario.xml, peer: x.peer.xml }),
    );
  }

  it("the 2xx whose ACK never came: the callee's side retransmits it as captured (10 copies at the timer's gaps), nothing comes back", async () => {
    await unansweredAsCaptured(sample('sample-problems.pcap'), 'C2', 'callee', 200, { copies: 10, back: 0 });
  }, 90_000);

  it('a request never answered (Timer F, the simulator): the OPTIONS and its 10 retransmissions as captured, no response', async () => {
    await unansweredAsCaptured(simulated('timeout-408'), 'C1', 'caller', 'OPTIONS', { copies: 11, back: 0 });
  }, 90_000);

  /**
   * What `side` sent and received in a call, in order, its own copies too (`→ 200 again`), its peer's
   * not (a replayed SIPp peer sends some again on its own: its message after the one being copied).
   */
  function withCopies(a: TraceAnalyzer, call: string, side: string, peer: string): string[] {
    const m = ladderModel(a, call)!;
    const id = (i: number): string => m.lanes[i]!.id;
    return m.arrows
      .filter((x) => [side, peer].includes(id(x.from)) && [side, peer].includes(id(x.to)))
      .filter((x) => !x.retransmission || id(x.from) === side)
      .map(
        (x) =>
          `${id(x.from) === side ? '→' : '←'} ${x.kind === 'request' ? x.method : x.status}${x.retransmission ? ' again' : ''}`,
      );
  }

  /**
   * Both ends of `call` exported (`side`: the one that sent copies) and run against each other: the
   * replay has the capture's messages, and at `side` the copies and what came between them in the
   * capture's order.
   */
  async function betweenCopies(a: TraceAnalyzer, side: 'caller' | 'callee', tag: string, want: string[]) {
    const x = sippExport(a, 'C1', { side });
    expect(withCopies(a, 'C1', x.scenario.side, x.scenario.peer)).toEqual(want);
    const r = await replay(x, tag);
    await explainOnFailure(
      () => {
        const c = r.a.calls()[0]!.id;
        expect(exchange(r.a, c, r.side, r.peer)).toEqual(exchange(a, 'C1', x.scenario.side, x.scenario.peer));
        expect(withCopies(r.a, c, r.side, r.peer)).toEqual(want);
      },
      () => ({ side: x.scenario.xml, peer: x.peer.xml }),
    );
  }

  it("a BYE that comes while the callee re-sends its 200 (the ACKs lost; captured at the callee): each end's export takes it between the copies as captured", async () => {
    const a = simulated(simFile('bye-during-2xx-copies'), 'Bob');
    await betweenCopies(a, 'callee', 'bye-during-2xx', [
      ...['← INVITE', '→ 180', '→ 200', '→ 200 again', '→ 200 again'],
      ...['← BYE', '→ 200'],
    ]);
  }, 90_000);

  it('the same from real SIPp on both ends (a callee re-sending its 200 until the BYE of a caller that never ACKs), captured with dumpcap: the exports replay it', async () => {
    // two hand-written scenarios, run (and captured) as an export's two ends are
    const scenario = (f: string, mode: 'client' | 'server') => ({
      side: '',
      peer: '',
      mode,
      command: '',
      xml: readFileSync(join(REPO, 'test/interop/sipp', f), 'utf8'),
    });
    const captured = await replay(
      {
        call: 'C1',
        scenario: scenario('uac-bye-without-ack.xml', 'client'),
        peer: scenario('uas-200-until-bye.xml', 'server'),
      },
      'real-bye-capture',
    );
    await betweenCopies(captured.a, 'callee', 'real-bye-during-2xx', [
      ...['← INVITE', '→ 180', '→ 200', '→ 200 again', '→ 200 again'],
      ...['← BYE', '→ 200'],
    ]);
  }, 90_000);

  it('an INFO that comes while the caller re-sends its BYE (every BYE lost, Timer F): the caller answers it between its copies, as captured', async () => {
    const a = simulated(simFile('info-during-bye-copies'));
    await betweenCopies(a, 'caller', 'info-during-bye', [
      ...['→ INVITE', '← 180', '← 200', '→ ACK', '→ BYE', '→ BYE again'],
      ...['← INFO', '→ 200', ...Array<string>(9).fill('→ BYE again')],
    ]);
  }, 90_000);

  it("a CANCEL that crosses the callee's 200 (its 200s lost): the callee takes it between its copies, ignores the replayed caller's CANCEL sent again at each later copy, and gives up with a BYE as captured", async () => {
    const a = simulated(simFile('cancel-crosses-2xx'));
    await betweenCopies(a, 'callee', 'cancel-crosses-2xx', [
      ...['← INVITE', '→ 180', '→ 200', '→ 200 again', '→ 200 again'],
      ...['← CANCEL', '→ 200', ...Array<string>(8).fill('→ 200 again'), '→ BYE', '← 200'],
    ]);
    expect(sippExport(a, 'C1', { side: 'callee' }).scenario.xml).toContain(
      '<recv request="CANCEL" optional="global" advance_state="false"/>',
    );
  }, 120_000);

  /** The simulator's parallel forking (forking-parallel): Alice, the proxy, Bob's desk phone and mobile. */
  const forkedCall = (): TraceAnalyzer => simulated('forking-parallel');
  const [ALICE, PROXY, DESK, MOBILE] = [
    '192.0.2.10:5060',
    '192.0.2.30:5060',
    '192.0.2.41:5060',
    '192.0.2.42:5060',
  ];

  it("a forked call (the simulator's parallel forking): the caller takes both forks' 180s with their own tags and ACKs and BYEs the one that answered; each fork's end replays against the proxy's", async () => {
    const a = forkedCall();
    const x = await replaysAsCaptured(a, 'C1', 'caller', 'fork-caller');
    // which endpoint answered with which tag, in both scenarios
    for (const xml of [x.scenario.xml, x.peer.xml]) {
      expect(xml).toMatch(
        /the INVITE forked into 2 dialogs: fork 1 of 2 \(To-tag \S+, answered by 192\.0\.2\.41:5060/,
      );
      expect(xml).toContain('fork 2 of 2');
      expect(xml).toContain(`answered by ${MOBILE}`);
    }
    const want = tagShape(toTags(a, 'C1', ALICE, PROXY));
    expect(want).toEqual([
      ...['→ INVITE -', '← 100 -', '← 180 A', '← 180 B', '← 200 B'],
      ...['→ ACK B', '→ BYE B', '← 200 B'],
    ]);
    // the replay: the same tags in the same places
    const r = await replay(x, 'fork-caller-tags');
    expect(tagShape(toTags(r.a, r.a.calls()[0]!.id, r.side, r.peer))).toEqual(want);
    // each fork's own end: the desk phone (CANCELled, 487) and the mobile (answered, BYE)
    for (const fork of [DESK, MOBILE]) {
      const f = await replaysAsCaptured(a, 'C1', fork, `fork-${fork}`);
      expect(f.scenario.mode).toBe('server');
      expect(f.peer.side).toBe(PROXY);
    }
  }, 120_000);

  it("two forks answer 200 (RFC 3261 §13.2.2.4): the caller ACKs and BYEs each dialog at its own Contact ([next_url] is the first 200's: SIPp keeps it; the second's is saved with <ereg>)", async () => {
    const [caller, proxy] = ['10.0.0.1', '10.0.0.2'];
    const msg = (first: string, cseq: string, tag: string, extra: string[] = []): string =>
      [
        first,
        `Via: SIP/2.0/UDP ${caller}:5060;branch=z9hG4bK${cseq.replace(' ', '')}${tag}`,
        'From: <sip:alice@example.com>;tag=fa',
        `To: <sip:bob@example.com>${tag ? `;tag=${tag}` : ''}`,
        'Call-ID: forks-2xx@10.0.0.1',
        `CSeq: ${cseq}`,
        ...extra,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
    const fork = (t: string, host: string): string[] => [
      'Record-Route: <sip:10.0.0.2;lr>',
      `Contact: <sip:bob@${host}:5060>`,
    ];
    const up = (text: string, ms: number): [string, string, string, number] => [text, caller, proxy, ms];
    const down = (text: string, ms: number): [string, string, string, number] => [text, proxy, caller, ms];
    const seq: [string, string, string, number][] = [
      up(
        msg('INVITE sip:bob@example.com SIP/2.0', '1 INVITE', '', ['Contact: <sip:alice@10.0.0.1:5060>']),
        0,
      ),
      down(msg('SIP/2.0 180 Ringing', '1 INVITE', 'ta', fork('ta', '10.0.0.3')), 10),
      down(msg('SIP/2.0 180 Ringing', '1 INVITE', 'tb', fork('tb', '10.0.0.4')), 20),
      down(msg('SIP/2.0 200 OK', '1 INVITE', 'ta', fork('ta', '10.0.0.3')), 1000),
      up(msg('ACK sip:bob@10.0.0.3:5060 SIP/2.0', '1 ACK', 'ta', ['Route: <sip:10.0.0.2;lr>']), 1010),
      down(msg('SIP/2.0 200 OK', '1 INVITE', 'tb', fork('tb', '10.0.0.4')), 1100),
      up(msg('ACK sip:bob@10.0.0.4:5060 SIP/2.0', '1 ACK', 'tb', ['Route: <sip:10.0.0.2;lr>']), 1110),
      up(msg('BYE sip:bob@10.0.0.4:5060 SIP/2.0', '2 BYE', 'tb', ['Route: <sip:10.0.0.2;lr>']), 1120),
      down(msg('SIP/2.0 200 OK', '2 BYE', 'tb'), 1130),
      up(msg('BYE sip:bob@10.0.0.3:5060 SIP/2.0', '3 BYE', 'ta', ['Route: <sip:10.0.0.2;lr>']), 5000),
      down(msg('SIP/2.0 200 OK', '3 BYE', 'ta'), 5010),
    ];
    const a = analyzeTrace(
      ingestBytes(
        buildPcap(
          seq.map(([text, src, dst, ms]) => ({
            timeUs: 1e12 + ms * 1000,
            srcHost: src,
            srcPort: 5060,
            dstHost: dst,
            dstPort: 5060,
            transport: 'UDP' as const,
            payload: new TextEncoder().encode(text),
          })),
        ),
        'forks-2xx.pcap',
      ).trace,
    );
    const x = await replaysAsCaptured(a, 'C1', 'caller', 'forks-2xx');
    expect(x.scenario.xml).toContain('BYE [$target');
    const r = await replay(x, 'forks-2xx-uris');
    const m = ladderModel(r.a, r.a.calls()[0]!.id)!;
    const dec = new TextDecoder();
    const requests = m.arrows
      .filter((y) => y.kind === 'request' && y.method !== 'INVITE')
      .map((y) => {
        const t = r.a.trace.message(y.id);
        return dec.decode(t.raw.subarray(t.start, t.end)).split('\r\n')[0];
      });
    expect(requests).toEqual([
      'ACK sip:bob@10.0.0.3:5060 SIP/2.0',
      'ACK sip:bob@10.0.0.4:5060 SIP/2.0',
      'BYE sip:bob@10.0.0.4:5060 SIP/2.0',
      'BYE sip:bob@10.0.0.3:5060 SIP/2.0',
    ]);
    expect(tagShape(toTags(r.a, r.a.calls()[0]!.id, r.side, r.peer))).toEqual(
      tagShape(toTags(a, 'C1', `${caller}:5060`, `${proxy}:5060`)),
    );
  }, 60_000);

  it.skipIf(!kamailio)(
    'a forked call through Kamailio: the caller export → a forking proxy → the desk phone and mobile exports; every leg as captured',
    async () => {
      const a = forkedCall();
      // The mobile answers 3 s after ringing, as captured (keepTiming), so both 180s come first.
      const caller = sippExport(a, 'C1', { side: 'caller', keepTiming: true });
      const desk = sippExport(a, 'C1', { side: DESK });
      const mobile = sippExport(a, 'C1', { side: MOBILE, keepTiming: true });
      const dir = workDir('sipp-export-fork-kamailio');
      writeFileSync(join(dir, 'caller.xml'), caller.scenario.xml);
      writeFileSync(join(dir, 'desk.xml'), desk.scenario.xml);
      writeFileSync(join(dir, 'mobile.xml'), mobile.scenario.xml);
      const [pc, pk, pd, pm] = [await freePort(), await freePort(), await freePort(), await freePort()];
      const file = join(dir, 'replay.pcapng');
      const filter = [pc, pk, pd, pm].map((p) => `udp port ${p}`).join(' or ');
      const cap = await captureLo(dumpcap!, filter, file, cleanup);
      const cfg = readFileSync(join(REPO, 'test/interop/kamailio/forking-proxy.cfg'), 'utf8')
        .replaceAll('__PROXY__', `127.0.0.1:${pk}`)
        .replaceAll('__UAS2__', `127.0.0.1:${pm}`)
        .replaceAll('__UAS__', `127.0.0.1:${pd}`)
        .replaceAll('__MODULES__', KAMAILIO_MODULES);
      const k = startKamailio(kamailio!, cfg, dir);
      cleanup.push(() => k.stop());
      await sleep(1500);
      const bounds = ['-m', '1', '-timeout', '40', '-timeout_error', '-i', '127.0.0.1'];
      const servers = [
        startSippUas(sipp!, ['-sf', 'desk.xml', '-p', String(pd), ...bounds], dir, 'desk'),
        startSippUas(sipp!, ['-sf', 'mobile.xml', '-p', String(pm), ...bounds], dir, 'mobile'),
      ];
      for (const s of servers) cleanup.push(() => s.stop());
      await sleep(500);
      const cli = await runSipp(
        sipp!,
        ['-sf', 'caller.xml', `127.0.0.1:${pk}`, '-p', String(pc), ...bounds],
        dir,
        'caller',
        50_000,
      );
      const codes = await Promise.all(
        servers.map((s) => Promise.race([s.exited, sleep(45_000).then(() => null)])),
      );
      await cap.stop();
      const r = open(file);
      await explainOnFailure(
        () => {
          expect([cli.code, ...codes]).toEqual([0, 0, 0]);
          const calls = r.calls();
          expect(calls.length).toBe(1);
          const c = calls[0]!.id;
          const at = (p: number): string => `127.0.0.1:${p}`;
          for (const [replayed, captured] of [
            [
              [pc, pk],
              [ALICE, PROXY],
            ],
            [
              [pd, pk],
              [DESK, PROXY],
            ],
            [
              [pm, pk],
              [MOBILE, PROXY],
            ],
          ] as const) {
            expect(exchange(r, c, at(replayed[0]), at(replayed[1]))).toEqual(exchange(a, 'C1', ...captured));
            expect(tagShape(toTags(r, c, at(replayed[0]), at(replayed[1])))).toEqual(
              tagShape(toTags(a, 'C1', ...captured)),
            );
          }
          const orig = a.callSummary(a.resolveCall('C1'));
          expect([calls[0]!.state, calls[0]!.finalStatus]).toEqual([orig.state, orig.finalStatus]);
        },
        () => ({
          caller: cli.output.slice(-3000) + cli.messages.slice(-6000),
          desk: servers[0]!.output().slice(-3000),
          mobile: servers[1]!.output().slice(-3000),
          kamailio: k.output().slice(-3000),
        }),
      );
    },
    90_000,
  );

  it("PRACK (the simulator's 100rel call): the RAck names the RSeq the replayed peer chose, learned from its 183", async () => {
    const a = simulated('prack-100rel');
    const x = await replaysAsCaptured(a, 'C1', 'caller', 'prack-caller');
    expect(x.scenario.xml).toContain('RAck: [$rseq');
    // a server of its own numbering, as a real UAS picks a random RSeq (RFC 3262 §3)
    expect(x.peer.xml).toContain('RSeq: 1\n');
    const own: SippExport = {
      ...x,
      peer: { ...x.peer, xml: x.peer.xml.replace('RSeq: 1\n', 'RSeq: 4711\n') },
    };
    const r = await replay(own, 'prack-rseq');
    const m = ladderModel(r.a, r.a.calls()[0]!.id)!;
    const prack = m.arrows.find((y) => y.kind === 'request' && y.method === 'PRACK')!;
    const t = r.a.trace.message(prack.id);
    expect(new TextDecoder().decode(t.raw.subarray(t.start, t.end))).toMatch(/\r\nRAck: 4711 1 INVITE\r\n/);
    expect(exchange(r.a, r.a.calls()[0]!.id, r.side, r.peer)).toEqual(
      exchange(a, 'C1', x.scenario.side, x.scenario.peer),
    );
  }, 60_000);

  it('keeps the timing: the replayed BYE comes as long after the ACK as in the capture', async () => {
    const x = sippExport(calls, 'C1', { keepTiming: true });
    const r = await replay(x, 'timing');
    const m = ladderModel(r.a, r.a.calls()[0]!.id)!;
    const ack = m.arrows.find((y) => y.method === 'ACK')!;
    const bye = m.arrows.find((y) => y.kind === 'request' && y.method === 'BYE')!;
    // 0.808 s in the capture (sipp's pause is a lower bound; a busy machine adds to it).
    expect(bye.time - ack.time).toBeGreaterThanOrEqual(0.8);
    expect(bye.time - ack.time).toBeLessThan(5);
  }, 60_000);

  it("plays each end's RTP from the capture: the replayed streams carry the captured payloads (tshark)", async () => {
    const a = sample('sample-media.pcap');
    const ends = sippExport(a, 'C2');
    const files: Record<string, Uint8Array> = {};
    const media = new Map<string, SippMedia>();
    for (const [who, peer, f] of [
      [ends.scenario.side, ends.peer.side, 'client-rtp.pcap'],
      [ends.peer.side, ends.scenario.side, 'server-rtp.pcap'],
    ] as const) {
      const m = (await sippMediaPcap(a, 'C2', who, peer, null))!;
      media.set(who, { file: f, firstUs: m.firstUs, lastUs: m.lastUs, packets: m.packets });
      files[f] = m.pcap;
    }
    const x = sippExport(a, 'C2', { media });
    const r = await replay(x, 'media', undefined, files);
    const capturedFile = join(REPO, 'resources/samples/sample-media.pcap');
    await explainOnFailure(
      () => {
        // the caller's 88 packets (12 were lost in the capture) and the callee's 100 as the proxy relayed them
        const want = {
          client: rtpPayloads(capturedFile, '127.0.0.10', 6012),
          server: rtpPayloads(capturedFile, '127.0.0.30', 6030, 6012),
        };
        expect([want.client.length, want.server.length]).toEqual([88, 100]);
        expect(rtpPayloads(r.file, '127.0.0.1', r.mediaPorts.client)).toEqual(want.client);
        expect(rtpPayloads(r.file, '127.0.0.1', r.mediaPorts.server)).toEqual(want.server);
        // sipscope finds both streams in the replay, joined to its call
        const streams = traceMedia(r.a.trace)?.streams ?? [];
        expect(streams.map((y) => [y.record.srcPort, y.record.packets, y.call])).toEqual(
          expect.arrayContaining([
            [r.mediaPorts.client, 88, 'C1'],
            [r.mediaPorts.server, 100, 'C1'],
          ]),
        );
        // the call lasted as long as its audio: the BYE after the last packet of the caller
        const m = ladderModel(r.a, r.a.calls()[0]!.id)!;
        const ack = m.arrows.find((y) => y.method === 'ACK')!;
        const bye = m.arrows.find((y) => y.kind === 'request' && y.method === 'BYE')!;
        expect(bye.time - ack.time).toBeGreaterThan(3);
      },
      () => ({ caller: x.scenario.xml, peer: x.peer.xml }),
    );
  }, 60_000);

  it.skipIf(!existsSync(join(PUBLIC, 'ws__aaa.pcap')))(
    'public captures: a CANCEL after 30 s unanswered (408), a REGISTER challenged with 401 ([authentication])',
    async () => {
      const aaa = open(join(PUBLIC, 'ws__aaa.pcap'));
      await replaysAsCaptured(aaa, 'C2', 'caller', 'aaa-cancel');
      await replaysAsCaptured(aaa, 'C1', 'caller', 'aaa-register');
      const g711 = open(join(PUBLIC, 'ws__sip-rtp-g711.pcap'));
      await replaysAsCaptured(g711, 'C1', 'caller', 'g711-caller');
      await replaysAsCaptured(g711, 'C1', 'callee', 'g711-callee');
    },
    120_000,
  );

  it.skipIf(!existsSync(join(PUBLIC, 'ndpi__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap')))(
    'public captures: a fax call (the callee re-INVITEs to T.38), PRACK and UPDATE over IPv6, SIP over WebSocket and over TCP',
    async () => {
      for (const [file, call] of [
        ['ndpi__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap', 'C1'],
        ['sngrep__ipv6frag.pcap', 'C1'],
        ['heplify__sip_tcp_websocket.pcap', 'C2'],
        ['heplify__sip_ipv4_tcp_fragmented.pcap', 'C1'],
      ] as const) {
        const a = open(join(PUBLIC, file));
        await replaysAsCaptured(a, call, 'caller', `${file}-caller`);
        await replaysAsCaptured(a, call, 'callee', `${file}-callee`);
      }
    },
    180_000,
  );

  it('a partial call: only a CANCEL captured gives scenarios SIPp loads and runs; only responses, a clear error', async () => {
    const cancel = [
      'CANCEL sip:bob@10.0.0.2 SIP/2.0',
      'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKc1',
      'From: <sip:alice@10.0.0.1>;tag=a1',
      'To: <sip:bob@10.0.0.2>',
      'Call-ID: only-cancel@10.0.0.1',
      'CSeq: 1 CANCEL',
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    const pcap = (text: string, from: string, to: string): TraceAnalyzer =>
      analyzeTrace(
        ingestBytes(
          buildPcap([
            {
              timeUs: 1e12,
              srcHost: from,
              srcPort: 5060,
              dstHost: to,
              dstPort: 5060,
              transport: 'UDP',
              payload: new TextEncoder().encode(text),
            },
          ]),
          'partial.pcap',
        ).trace,
      );
    await replaysAsCaptured(pcap(cancel, '10.0.0.1', '10.0.0.2'), 'C1', 'caller', 'only-cancel');
    const ok = ['SIP/2.0 200 OK', ...cancel.split('\r\n').slice(1)].join('\r\n');
    const b = pcap(ok, '10.0.0.2', '10.0.0.1');
    expect(() => sippExport(b, 'C1')).toThrow('this call has no request: no caller to play');
    expect(() => sippExport(b, 'C1', { side: '10.0.0.1:5060' })).toThrow(
      'the messages between 10.0.0.1:5060 and 10.0.0.2:5060 hold no request: a SIPp scenario starts with one',
    );
  }, 60_000);

  it.skipIf(!kamailio)(
    'through Kamailio: the caller export → a record-routing proxy → the callee export',
    async () => {
      const cfg = readFileSync(join(REPO, 'test/interop/kamailio/forward-proxy.cfg'), 'utf8');
      // The caller's scenario and the callee's: each the other end of its own exchange with the proxy.
      const caller = sippExport(calls, 'C1', { side: 'caller' });
      const callee = sippExport(calls, 'C1', { side: 'callee' });
      const x: SippExport = { call: 'C1', scenario: caller.scenario, peer: callee.scenario };
      const r = await replay(x, 'kamailio', cfg);
      const replayed = r.a.calls();
      await explainOnFailure(
        () => {
          expect(replayed.length).toBe(1);
          // The caller's leg as captured (the capture's proxy was Kamailio too: its 100 Trying included).
          expect(exchange(r.a, replayed[0]!.id, r.side, r.peer)).toEqual(
            exchange(calls, 'C1', caller.scenario.side, caller.scenario.peer),
          );
          // And the callee's leg: the proxy → callee messages as the capture's.
          const m = ladderModel(r.a, replayed[0]!.id)!;
          const calleeLane = m.lanes.find((l) => l.id !== r.side && l.id !== r.peer)!.id;
          expect(exchange(r.a, replayed[0]!.id, calleeLane, r.peer)).toEqual(
            exchange(calls, 'C1', callee.scenario.side, callee.scenario.peer),
          );
          const orig = calls.callSummary(calls.resolveCall('C1'));
          expect([replayed[0]!.state, replayed[0]!.finalStatus]).toEqual([orig.state, orig.finalStatus]);
        },
        () => ({ caller: caller.scenario.xml, callee: callee.scenario.xml }),
      );
    },
    60_000,
  );
});
