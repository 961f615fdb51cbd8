/**
 * Several captures as one, on a real call through a real proxy: SIPp uac (127.0.0.2) → Kamailio
 * (127.0.0.3, record_route, t_relay) → SIPp uas (127.0.0.4) on loopback, captured by three dumpcaps:
 * the caller's side (host 127.0.0.2), the callee's side (host 127.0.0.4) and the proxy's (host
 * 127.0.0.3, which holds both). Merged (service/merge-captures.ts): both legs in time order, the proxy a
 * hop (Via added, Max-Forwards −1, Record-Route), no spurious retransmission; tshark reads the same SIP
 * frames in the same order as from `mergecap` of the same files; the caller's side merged with the
 * proxy's: every packet of it is in both, kept once; the inputs untouched.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requirePeer } from '../helpers/peers';
import {
  cleanupAfterEach,
  captureLo,
  explainOnFailure,
  freePort,
  KAMAILIO_MODULES,
  runSipp,
  sleep,
  startKamailio,
  startSippUas,
  waitForSip,
  workDir,
} from './helpers/run-peers';
import { analyzeTrace, callHops } from '../../src/sip-core/analysis';
import { ingestMerged, mergeCaptures } from '../../src/main/service/merge-captures';

const sipp = requirePeer('sipp');
const kamailio = requirePeer('kamailio');
const dumpcap = requirePeer('dumpcap');
const tshark = requirePeer('tshark');
const mergecap = tshark ? requirePeer('mergecap') : null;
const cleanup = cleanupAfterEach();

const UAC = '127.0.0.2';
const PROXY = '127.0.0.3';
const UAS = '127.0.0.4';

const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

/** tshark's SIP frames: time (to the µs: sipscope reads µs, dumpcap writes ns), Call-ID, CSeq. */
function sipFields(file: string): string[] {
  return execFileSync(
    tshark!,
    [
      '-r',
      file,
      '-Y',
      'sip',
      '-T',
      'fields',
      '-e',
      'frame.time_epoch',
      '-e',
      'sip.Call-ID',
      '-e',
      'sip.CSeq',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  )
    .trim()
    .split('\n')
    .map((l) => l.replace(/^(\d+\.\d{6})\d*/, '$1'));
}

describe.skipIf(!sipp || !kamailio || !dumpcap || !tshark || !mergecap)(
  'several captures as one: SIPp → Kamailio → SIPp, captured on each side',
  () => {
    it('merged: both legs in time order, the proxy a hop, the shared packets once, as mergecap orders them', async () => {
      const dir = workDir('merge-kamailio');
      const [pk, pa, pb] = [await freePort(), await freePort(), await freePort()];
      const cfg = readFileSync(join(import.meta.dirname, 'kamailio/forward-proxy.cfg'), 'utf8')
        .replaceAll('__PROXY__', `${PROXY}:${pk}`)
        .replaceAll('__UAS__', `${UAS}:${pb}`)
        .replaceAll('__MODULES__', KAMAILIO_MODULES);
      const k = startKamailio(kamailio!, cfg, dir);
      cleanup.push(() => k.stop());
      await waitForSip(PROXY, pk, 10_000, k);
      const [fa, fb, fp] = ['caller-side.pcapng', 'callee-side.pcapng', 'proxy.pcapng'].map((f) =>
        join(dir, f),
      );
      const caps = [
        await captureLo(dumpcap!, `host ${UAC}`, fa!, cleanup),
        await captureLo(dumpcap!, `host ${UAS}`, fb!, cleanup),
        await captureLo(dumpcap!, `host ${PROXY} and udp port ${pk}`, fp!, cleanup),
      ];
      const common = ['-m', '1', '-timeout', '30', '-timeout_error'];
      const uas = startSippUas(sipp!, ['-sn', 'uas', '-i', UAS, '-p', String(pb), ...common], dir, 'uas');
      cleanup.push(() => uas.stop());
      const uac = await runSipp(
        sipp!,
        ['-sn', 'uac', '-i', UAC, '-p', String(pa), '-s', 'bob', `${PROXY}:${pk}`, ...common, '-d', '200'],
        dir,
        'uac',
      );
      await explainOnFailure(
        async () => {
          expect(uac.code).toBe(0);
          await sleep(300);
          for (const c of caps) await c.stop();
          const before = [fa!, fb!, fp!].map(sha);

          const { result, merge, close } = await ingestMerged([{ path: fa! }, { path: fb! }]);
          try {
            const a = analyzeTrace(result.trace);
            const t = result.trace;
            const rows = Array.from({ length: t.count }, (_, i) => t.entry(i));
            const ours = rows.filter(
              (e) =>
                e.src.startsWith(UAC) ||
                e.dst.startsWith(UAC) ||
                e.src.startsWith(UAS) ||
                e.dst.startsWith(UAS),
            );
            // Both legs: INVITE, 100/180/200 and ACK, BYE, 200 on each side (the proxy's 100 to the caller too).
            const line = (e: (typeof rows)[number]): string =>
              `${e.src.split(':')[0]}>${e.dst.split(':')[0]} ${e.kind === 'request' ? e.method : e.status}`;
            const seq = ours.map(line);
            // Each message after the one that caused it, across the two files.
            const order = [
              `${UAC}>${PROXY} INVITE`,
              `${PROXY}>${UAS} INVITE`,
              `${UAS}>${PROXY} 200`,
              `${PROXY}>${UAC} 200`,
              `${UAC}>${PROXY} ACK`,
              `${PROXY}>${UAS} ACK`,
              `${UAC}>${PROXY} BYE`,
              `${PROXY}>${UAS} BYE`,
              `${UAS}>${PROXY} 200`,
            ];
            let at = -1;
            for (const o of order) {
              const next = seq.indexOf(o, at + 1);
              expect(next, `${o} after ${seq[at] ?? 'the start'} in ${seq.join(', ')}`).toBeGreaterThan(at);
              at = next;
            }
            expect(seq.at(-1)).toBe(`${PROXY}>${UAC} 200`);
            for (let i = 1; i < rows.length; i++)
              expect(rows[i]!.timeUs).toBeGreaterThanOrEqual(rows[i - 1]!.timeUs);
            for (let i = 0; i < t.count; i++) expect(a.retransmission(i)).toBeNull();
            expect(merge.duplicates).toEqual([]);
            const hops = callHops(a, 'C1');
            const inv = hops.find((h) => h.label.startsWith('INVITE'))!;
            expect(inv.copies).toHaveLength(2);
            expect(inv.steps[0]!.element).toBe(`${PROXY}:${pk}`);
            expect(inv.steps[0]!.changes.map((c) => c.kind)).toEqual(
              expect.arrayContaining(['via-added', 'max-forwards-decremented', 'record-route-added']),
            );
            // tshark reads the same SIP frames in the same order from ours as from mergecap's.
            const mc = join(dir, 'mergecap.pcapng');
            execFileSync(mergecap!, ['-w', mc, fa!, fb!]);
            expect(sipFields(merge.path)).toEqual(sipFields(mc));
          } finally {
            close();
          }

          // The caller's side with the proxy's (which holds it): each of its packets kept once.
          const both = await mergeCaptures([{ path: fp! }, { path: fa! }], join(dir, 'both.pcapng'));
          const frames = (f: string): number =>
            execFileSync(tshark!, ['-r', f, '-T', 'fields', '-e', 'frame.number'], {
              encoding: 'utf8',
              stdio: ['ignore', 'pipe', 'ignore'],
            })
              .trim()
              .split('\n').length;
          const proxyFrames = frames(fp!);
          const callerFrames = frames(fa!);
          expect(both.duplicates).toEqual([
            { a: 'proxy.pcapng', b: 'caller-side.pcapng', count: callerFrames },
          ]);
          expect(sipFields(join(dir, 'both.pcapng'))).toEqual(sipFields(fp!));
          expect(proxyFrames).toBeGreaterThan(callerFrames);
          expect([fa!, fb!, fp!].map(sha)).toEqual(before);
        },
        () => ({ kamailio: k.output(), uac: uac.output + uac.messages, uas: uas.messages() }),
      );
    }, 60_000);
  },
);
