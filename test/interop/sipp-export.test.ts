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
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
const cleanup = cleanupAfterEach();
const PUBLIC = '/work/shared/captures/public';

const open = (file: string): TraceAnalyzer =>
  analyzeTrace(ingestBytes(new Uint8Array(readFileSync(file)), file.split('/').pop()!).trace);
const sample = (name: string): TraceAnalyzer => open(join(REPO, 'resources/samples', name));

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
  side: 'caller' | 'callee',
  tag: string,
): Promise<void> {
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
}

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
    const file = join(workDir('sipp-export-timeout'), 'timeout-408.pcap');
    execFileSync(process.execPath, [
      join(REPO, 'bin/sipscope.js'),
      'simulate',
      'timeout-408',
      '--pcap',
      file,
    ]);
    await unansweredAsCaptured(open(file), 'C1', 'caller', 'OPTIONS', { copies: 11, back: 0 });
  }, 90_000);

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
