/**
 * The dispatcher module against Kamailio 5.6 with dispatcher.so: both proxies run the same routing
 * script and the same dispatcher.list on loopback, SIPp calls each of them one call at a time, SIPp
 * servers answer as the backends (one backend port has nothing listening), and each proxy's
 * backend order is read from the Contact of the 200s the caller got. Round robin: the same order
 * (Kamailio's: the list's last line first). Failover: the call that lands on the dead backend ends
 * its branch with tm's fr_timer (a 408 of the proxy's own), the failure_route marks it inactive and
 * `ds_next_dst()` takes the next one; later calls skip the dead one; the same order on both.
 * Random loopback ports; peers stopped after each test; failures print what each side saw.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLab, startLab, type LabHandle } from '../../src/main/live';
import { SIPP_DIR } from '../../src/main/paths';
import { requirePeer } from '../helpers/peers';
import {
  cleanupAfterEach,
  explainOnFailure,
  freePort,
  KAMAILIO_MODULES,
  labTraceText,
  runSipp,
  SAMPLES,
  sleep,
  startKamailio,
  startSippUas,
  waitForSip,
  workDir,
  type SippResult,
} from './helpers/run-peers';

const sipp = requirePeer('sipp');
const kamailio = requirePeer('kamailio');
const cleanup = cleanupAfterEach();

/** The part both proxies run: module parameters and routes (Kamailio gets its core header in front). */
const script = (mark: string, probing: string): string => `modparam("tm", "fr_timer", 1000)
modparam("dispatcher", "flags", 2)
${probing}request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (has_totag()) {
    if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
    sl_send_reply("404", "Not here");
    exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
  if (is_method("INVITE")) { record_route(); }
  if (!ds_select_dst("1", "4")) { sl_send_reply("503", "No backend"); exit; }
  t_on_failure("NEXT");
  t_relay();
}
failure_route[NEXT] {
  if (t_is_canceled()) { exit; }
  if (t_check_status("408|500|503")) {
    ds_mark_dst("${mark}");
    if (ds_next_dst()) { t_on_failure("NEXT"); t_relay(); exit; }
  }
}
`;

const SCRIPT = script('i', '');

function kamailioCfg(port: number, listFile: string, routes: string): string {
  return `#!KAMAILIO
debug=1
log_stderror=yes
children=2
auto_aliases=no
listen=udp:127.0.0.1:${port}
mpath="${KAMAILIO_MODULES}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "dispatcher.so"
modparam("dispatcher", "list_file", "${listFile}")
${routes}`;
}

async function labProxy(port: number, list: string, routes = SCRIPT): Promise<LabHandle> {
  const indent = (t: string): string =>
    t
      .trimEnd()
      .split('\n')
      .map((l) => `      ${l}`)
      .join('\n');
  const h = await startLab(
    parseLab(`name: dispatcher-interop
description: the dispatcher lab proxy for SIPp
nodes:
  - name: balancer
    role: proxy
    address: "127.0.0.1:${port}"
    dispatcher: |
${indent(list)}
    script: |
${indent(routes)}
`),
  );
  cleanup.push(() => h.stop());
  return h;
}

/** The backend port of each answered call, in order: the Contact port of every 200 to an INVITE the caller got. */
function answeredBy(r: SippResult): number[] {
  const out: number[] = [];
  for (const block of r.messages.split(/message received \[\d+\] bytes :/).slice(1)) {
    const msg = block.split(/\n-{20,}/)[0]!.trimStart();
    if (!msg.startsWith('SIP/2.0 200') || !/^CSeq:\s*1 INVITE/im.test(msg)) continue;
    const m = /^(?:Contact|m):[^\n]*?:(\d+)[;>]/im.exec(msg);
    out.push(m ? Number(m[1]) : -1);
  }
  return out;
}

/** `calls` SIPp calls to `server`, one at a time. */
async function callSequentially(
  server: string,
  calls: number,
  dir: string,
  tag: string,
): Promise<SippResult> {
  const port = await freePort();
  return runSipp(
    sipp!,
    [
      ...['-sf', join(SAMPLES, 'uac-call.xml'), '-s', 'service', server],
      ...['-i', '127.0.0.1', '-p', String(port), '-m', String(calls), '-l', '1', '-r', '5'],
      ...['-d', '100', '-timeout', '40'],
    ],
    dir,
    tag,
    60_000,
  );
}

interface Backends {
  ports: number[];
  reports: () => Record<string, string>;
}

/** SIPp servers answering every call on `live` ports. */
async function backends(live: number[], dir: string): Promise<Backends> {
  const peers = live.map((p, i) => {
    const uas = startSippUas(
      sipp!,
      ['-sf', join(SAMPLES, 'uas-answer.xml'), '-i', '127.0.0.1', '-p', String(p)],
      dir,
      `backend-${i + 1}`,
    );
    cleanup.push(() => uas.stop());
    return uas;
  });
  await sleep(300);
  return {
    ports: live,
    reports: () => Object.fromEntries(peers.map((u, i) => [`backend ${i + 1} (${live[i]})`, u.messages()])),
  };
}

async function kamailioProxy(
  list: string,
  dir: string,
  routes = SCRIPT,
): Promise<{ server: string; output: () => string }> {
  const port = await freePort();
  const file = join(dir, 'dispatcher.list');
  writeFileSync(file, list);
  const k = startKamailio(kamailio!, kamailioCfg(port, file, routes), dir);
  cleanup.push(() => k.stop());
  await waitForSip('127.0.0.1', port, 10_000, k);
  return { server: `127.0.0.1:${port}`, output: () => k.output() };
}

describe.skipIf(!sipp || !kamailio)(
  'dispatcher: sipscope lab proxy vs Kamailio 5.6 (same script, same list)',
  () => {
    it('round robin: the same backend order on both (the last line of the set first)', async () => {
      const dir = workDir('ds-rr');
      const b = await backends([await freePort(), await freePort(), await freePort()], dir);
      const list = b.ports.map((p) => `1 sip:127.0.0.1:${p}`).join('\n') + '\n';
      const k = await kamailioProxy(list, dir);
      const lp = await freePort();
      const h = await labProxy(lp, list);
      const viaKamailio = await callSequentially(k.server, 6, dir, 'uac-kamailio');
      const viaLab = await callSequentially(`127.0.0.1:${lp}`, 6, dir, 'uac-lab');
      await explainOnFailure(
        () => {
          expect(viaKamailio.code).toBe(0);
          expect(viaLab.code).toBe(0);
          const [p1, p2, p3] = b.ports;
          const expected = [p3, p2, p1, p3, p2, p1];
          expect(answeredBy(viaKamailio)).toEqual(expected);
          expect(answeredBy(viaLab)).toEqual(expected);
        },
        () => ({
          ...b.reports(),
          'caller via Kamailio': viaKamailio.messages,
          'caller via the lab': viaLab.messages,
          kamailio: k.output(),
          'lab trace': labTraceText(h),
        }),
      );
    }, 90_000);

    it('failover: a dead backend ends at fr_timer (408), ds_next_dst() answers, later calls skip it — the same on both', async () => {
      const dir = workDir('ds-failover');
      const [p1, p2, dead] = [await freePort(), await freePort(), await freePort()];
      const b = await backends([p1, p2], dir);
      // set order: dead (last line) first, then p2, p1
      const list = `1 sip:127.0.0.1:${p1}\n1 sip:127.0.0.1:${p2}\n1 sip:127.0.0.1:${dead}\n`;
      const k = await kamailioProxy(list, dir);
      const lp = await freePort();
      const h = await labProxy(lp, list);
      const t0 = Date.now();
      const viaKamailio = await callSequentially(k.server, 4, dir, 'uac-kamailio');
      const kMs = Date.now() - t0;
      const t1 = Date.now();
      const viaLab = await callSequentially(`127.0.0.1:${lp}`, 4, dir, 'uac-lab');
      const lMs = Date.now() - t1;
      await explainOnFailure(
        () => {
          expect(viaKamailio.code).toBe(0);
          expect(viaLab.code).toBe(0);
          // call 1: dead → 408 at fr_timer → p2; call 2: p2 (round robin's next); call 3: p1;
          // call 4: the dead one is inactive, skipped to the next: p2
          const expected = [p2, p2, p1, p2];
          expect(answeredBy(viaKamailio)).toEqual(expected);
          expect(answeredBy(viaLab)).toEqual(expected);
          // the failover waited for fr_timer (1 s) once, on both
          expect(kMs).toBeGreaterThanOrEqual(1000);
          expect(lMs).toBeGreaterThanOrEqual(1000);
          // the dead backend got the first call's INVITE only (resent by Timer A until fr_timer), never later
          const t = h.live.trace;
          const toDead = Array.from({ length: t.count }, (_, i) => t.entry(i)).filter(
            (e) => e.dst === `127.0.0.1:${dead}`,
          );
          expect(toDead.length).toBeGreaterThanOrEqual(1);
          expect(new Set(toDead.map((e) => e.callId)).size).toBe(1);
          expect(toDead.every((e) => e.method === 'INVITE')).toBe(true);
        },
        () => ({
          ...b.reports(),
          'caller via Kamailio': viaKamailio.messages,
          'caller via the lab': viaLab.messages,
          kamailio: k.output(),
          'lab trace': labTraceText(h),
        }),
      );
    }, 90_000);

    for (const [mode, revives] of [
      [2, true],
      [0, false],
    ] as const)
      it(`probing, ds_probing_mode ${mode}: a dead backend marked "ip" is probed with OPTIONS; it ${revives ? 'comes back after its first 200' : 'is probed once and stays inactive'} — the same on both`, async () => {
        const dir = workDir(`ds-probing-${mode}`);
        const routes = script(
          'ip',
          `modparam("dispatcher", "ds_ping_interval", 1)\nmodparam("dispatcher", "ds_probing_mode", ${mode})\n`,
        );
        const reports: Record<string, () => string> = {};
        /** Calls 1-2 with the third backend dead, then a SIPp server comes up there (server.xml answers OPTIONS), then calls 3-4. */
        const phase = async (
          who: string,
          start: (list: string) => Promise<{ server: string; output: () => string }>,
        ): Promise<{ answered: number[]; ports: number[]; options: number }> => {
          const [p1, p2, dead] = [await freePort(), await freePort(), await freePort()];
          const b = await backends([p1, p2], dir);
          const proxy = await start(
            `1 sip:127.0.0.1:${p1}\n1 sip:127.0.0.1:${p2}\n1 sip:127.0.0.1:${dead}\n`,
          );
          reports[`${who} backends`] = () => JSON.stringify(b.reports()).slice(-6000);
          reports[who] = proxy.output;
          const first = await callSequentially(proxy.server, 2, dir, `uac-${who}-1`);
          reports[`caller via ${who} (1)`] = () => first.messages;
          await sleep(2500); // probes to the dead one time out (fr_timer 1 s)
          const revived = startSippUas(
            sipp!,
            ['-sf', join(SIPP_DIR, 'server.xml'), '-i', '127.0.0.1', '-p', String(dead)],
            dir,
            `revived-${who}`,
          );
          cleanup.push(() => revived.stop());
          reports[`revived backend via ${who}`] = () => revived.messages();
          await sleep(3000); // the next probe (if any) gets a 200
          const second = await callSequentially(proxy.server, 2, dir, `uac-${who}-2`);
          reports[`caller via ${who} (2)`] = () => second.messages;
          expect(first.code).toBe(0);
          expect(second.code).toBe(0);
          return {
            answered: [...answeredBy(first), ...answeredBy(second)],
            ports: [p1, p2, dead],
            options: (revived.messages().match(/^OPTIONS /gm) ?? []).length,
          };
        };
        await explainOnFailure(
          async () => {
            const viaKamailio = await phase('kamailio', (list) => kamailioProxy(list, dir, routes));
            const viaLab = await phase('lab', async (list) => {
              const lp = await freePort();
              const h = await labProxy(lp, list, routes);
              return { server: `127.0.0.1:${lp}`, output: () => labTraceText(h) };
            });
            // call 1: dead → 408 → p2; call 2: p2; (the server is up) call 3: p1; call 4: round robin
            // is back at the set's first destination: the revived one when probing made it active,
            // else it is skipped again (p2)
            for (const r of [viaKamailio, viaLab]) {
              const [p1, p2, dead] = r.ports;
              expect(r.answered).toEqual([p2, p2, p1, revives ? dead : p2]);
              if (revives) expect(r.options).toBeGreaterThan(0);
              else expect(r.options).toBe(0);
            }
          },
          () => Object.fromEntries(Object.entries(reports).map(([k, f]) => [k, f()])),
        );
      }, 120_000);
  },
);
