/**
 * Kamailio `siptrace` (hep_mode_on, duplicate_uri) sends HEP3 to sipscope's HEP listener while SIPp
 * calls through it. The messages sipscope receives must be exactly what the peers put on the wire:
 * same bytes, same source and destination, about the same time — checked against a real dumpcap
 * capture of the proxy's port taken at the same time.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startDumpcap, startHepListener, type LiveSource } from '../../src/main/live';
import type { Trace } from '../../src/sip-core/trace/trace';
import { requirePeer } from '../helpers/peers';
import {
  explainOnFailure,
  freePort,
  KAMAILIO_MODULES,
  runSipp,
  SAMPLES,
  sleep,
  startKamailio,
  startSippUas,
  until,
  waitForSip,
  workDir,
  type Peer,
} from './helpers/run-peers';
import { readFileSync } from 'node:fs';

const sipp = requirePeer('sipp');
const kamailio = requirePeer('kamailio');
const dumpcap = requirePeer('dumpcap');

interface Row {
  src: string;
  dst: string;
  text: string;
  timeUs: number;
  label: string;
}

function rows(t: Trace): Row[] {
  const out: Row[] = [];
  const dec = new TextDecoder();
  for (let i = 0; i < t.count; i++) {
    const cid = t.callId(i) ?? '';
    if (cid.startsWith('probe-')) continue;
    const e = t.entry(i);
    out.push({
      src: e.src,
      dst: e.dst,
      text: dec.decode(t.raw(i)),
      timeUs: e.timeUs,
      label: e.kind === 'request' ? e.method! : `${e.status} ${t.methodOrCseqMethod(i)}`,
    });
  }
  return out;
}

/**
 * The HEP copy `h` is the wire message `w`: same addresses, same bytes. With HEP over TCP, Kamailio
 * 5.6 traces received requests after `mf_process_maxfwd_header()` decremented Max-Forwards in its
 * buffer (it sends the HEP later than over UDP); that one difference, by exactly one, is allowed.
 */
function same(w: Row, h: Row, hepTransport: string): boolean {
  if (w.src !== h.src || w.dst !== h.dst) return false;
  if (w.text === h.text) return true;
  if (hepTransport !== 'tcp') return false;
  const mf = (t: string): number => Number(/^Max-Forwards:[ \t]*(\d+)/im.exec(t)?.[1] ?? NaN);
  const strip = (t: string): string => t.replace(/^Max-Forwards:[ \t]*\d+/im, 'Max-Forwards: N');
  return strip(w.text) === strip(h.text) && mf(w.text) - mf(h.text) === 1;
}

const show = (rs: Row[]): string => rs.map((r) => `${r.src} -> ${r.dst} ${r.label}`).join('\n');

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe.skipIf(!sipp || !kamailio || !dumpcap)('Kamailio siptrace → sipscope HEP listener', () => {
  it.each(['udp', 'tcp'])(
    'receives exactly the messages the peers sent (bytes, addresses, time), HEP3 over %s',
    async (hepTransport) => {
      const dir = workDir('siptrace');
      const [proxyPort, uasPort, uacPort, hepPort] = [
        await freePort(),
        await freePort(),
        await freePort(),
        await freePort(),
      ];
      const hep: LiveSource = await startHepListener({ port: hepPort });
      cleanup.push(() => hep.stop());
      const wire: LiveSource = await startDumpcap({ iface: 'lo', filter: `udp port ${proxyPort}` });
      // The HEP packets themselves, to check they really came over the chosen transport.
      const hepWire: LiveSource = await startDumpcap({
        iface: 'lo',
        filter: `${hepTransport} dst port ${hepPort}`,
      });
      cleanup.push(() => hepWire.stop());
      cleanup.push(() => wire.stop());
      const cfg = readFileSync(join(import.meta.dirname, 'kamailio/siptrace.cfg'), 'utf8')
        .replaceAll('__PROXY__', `127.0.0.1:${proxyPort}`)
        .replaceAll('__UAS__', `127.0.0.1:${uasPort}`)
        .replaceAll('__HEP__', `127.0.0.1:${hepPort}`)
        .replaceAll('__HEPTRANSPORT__', hepTransport)
        .replaceAll('__MODULES__', KAMAILIO_MODULES);
      const k: Peer = startKamailio(kamailio!, cfg, dir);
      cleanup.push(() => k.stop());
      await waitForSip('127.0.0.1', proxyPort, 10_000, k);
      const uas = startSippUas(
        sipp!,
        ['-sf', join(SAMPLES, 'uas-answer.xml'), '-i', '127.0.0.1', '-p', String(uasPort), '-m', '3'],
        dir,
        'uas',
      );
      cleanup.push(() => uas.stop());
      await sleep(300);
      const uac = await runSipp(
        sipp!,
        [
          '-sf',
          join(SAMPLES, 'uac-call.xml'),
          '-s',
          'bob',
          `127.0.0.1:${proxyPort}`,
          '-i',
          '127.0.0.1',
          '-p',
          String(uacPort),
          '-m',
          '3',
          '-r',
          '10',
          '-d',
          '200',
        ],
        dir,
        'uac',
      );
      await explainOnFailure(
        async () => {
          expect(uac.code).toBe(0);
          // Let the last HEP packets and captured frames arrive.
          let last = -1;
          await until(
            () => {
              const n = hep.live.total + wire.live.total;
              const stable = n === last;
              last = n;
              return stable && hep.live.total > 0;
            },
            'HEP and wire traffic to settle',
            15_000,
          );
          await sleep(500);
          await wire.stop();
          const h = rows(hep.live.trace);
          const w = rows(wire.live.trace);
          // 3 calls × (INVITE, 100, INVITE, 180, 180, 200, 200, ACK in, ACK out, BYE in, BYE out, 200, 200) ≈ 36+ messages
          expect(h.length).toBeGreaterThanOrEqual(30);
          const unmatched = h.filter((m) => !w.some((x) => same(x, m, hepTransport)));
          expect(unmatched.map((m) => `${m.src} -> ${m.dst} ${m.label}`)).toEqual([]);
          for (const m of h) {
            const x = w.find((y) => same(y, m, hepTransport))!;
            expect(Math.abs(x.timeUs - m.timeUs)).toBeLessThan(500_000);
          }
          const P = `127.0.0.1:${proxyPort}`;
          const labels = new Set(h.map((m) => `${m.src === P ? 'out' : 'in'} ${m.label}`));
          for (const l of [
            'in INVITE',
            'out INVITE',
            'in 180 INVITE',
            'out 180 INVITE',
            'in 200 INVITE',
            'out 200 INVITE',
            'in ACK',
            'in BYE',
            'out 200 BYE',
          ])
            expect(labels, l).toContain(l);
          expect(hep.live.trace.reassembly(0)).toBe('hep');
          await hepWire.stop();
          expect(hepWire.stats.packets).toBeGreaterThan(0);
        },
        () => ({
          'first HEP message that matches no wire message, and the wire message it should be': (() => {
            const w = rows(wire.live.trace);
            const m = rows(hep.live.trace).find((x) => !w.some((y) => same(y, x, hepTransport)));
            if (!m) return '(none)';
            const near = w.find((y) => y.src === m.src && y.dst === m.dst && y.label === m.label);
            return `HEP:\n${m.text}\nwire:\n${near?.text ?? '(no wire message with these addresses and method)'}`;
          })(),
          'HEP messages received by sipscope': show(rows(hep.live.trace)),
          'wire messages (dumpcap)': show(rows(wire.live.trace)),
          'SIPp UAC messages': uac.messages,
          'SIPp UAC output': uac.output,
          'Kamailio output': k.output(),
        }),
      );
    },
  );
});
