/**
 * A class's lab session with real SIPp phones (resources/sipp): a phone registers with digest
 * credentials (a wrong password is challenged again and binds nothing), a caller cancels a ringing
 * call (200 to the CANCEL, 487 to the INVITE, the ACK absorbed by the proxy's INVITE transaction: the
 * 487 is not retransmitted), and a busy phone answers 486 (ACKed hop by hop). The CANCEL and 486
 * flows run the same SIPp scenarios through Kamailio too, which must give the caller the same
 * messages, and through two proxies (Kamailio in front of the lab's): ring.xml's 487 carries every
 * Via of the INVITE, so it goes back through both and the caller gets it once with its own Via.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLab, startLab } from '../../src/main/live';
import { SIPP_DIR } from '../../src/main/paths';
import { requirePeer } from '../helpers/peers';
import {
  cleanupAfterEach,
  explainOnFailure,
  freePort,
  KAMAILIO_MODULES,
  labTraceText,
  runSipp,
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

const lab = (port: number): string => `
name: class
description: digest registrar and record-routing stateful proxy for lab.example
nodes:
  - name: proxy
    role: proxy
    address: 127.0.0.1:${port}
    domains: [lab.example]
    users: { bob: s3cret, carol: pa55 }
    script: |
      request_route {
        if (!mf_process_maxfwd_header("70")) { sl_send_reply("483", "Too Many Hops"); exit; }
        if (has_totag()) {
          if (loose_route()) { t_relay(); exit; }
          if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
          sl_send_reply("404", "Not here");
          exit;
        }
        if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
        if (is_method("REGISTER")) {
          if (!www_authorize("lab.example", "subscriber")) { www_challenge("lab.example", "0"); exit; }
          save("location");
          exit;
        }
        if (is_method("INVITE")) { record_route(); }
        if (uri == myself) {
          if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
        }
        t_relay();
      }
`;

/** The first lines of what SIPp received, in order (its -trace_msg log). */
const received = (r: SippResult): string[] =>
  r.messages
    .split(/^-{20,}.*$/m)
    .filter((b) => /(UDP|TCP) message received/.test(b))
    .map((b) => /^(SIP\/2\.0 \d{3}|[A-Z]+(?= \S+ SIP\/2\.0$))/m.exec(b)?.[1] ?? '?');

/** Registers user@domain with the phone's address as Contact, then runs the phone and the caller. */
async function flow(
  user: string,
  server: string,
  domain: string,
  dir: string,
  phoneXml: string,
  callerXml: string,
  auth: string[] = [],
  callVia = server,
) {
  const [pa, pr, pc] = [await freePort(), await freePort(), await freePort()];
  const reg = await runSipp(
    sipp!,
    [
      ...['-sf', join(SIPP_DIR, 'register.xml'), '-s', user, '-set', 'domain', domain, ...auth],
      ...['-set', 'contact', `127.0.0.1:${pa}`, '-i', '127.0.0.1', '-p', `${pr}`, '-m', '1', server],
    ],
    dir,
    `${phoneXml}-register`,
    20_000,
  );
  const phone = startSippUas(
    sipp!,
    ['-sf', join(SIPP_DIR, phoneXml), '-i', '127.0.0.1', '-p', `${pa}`, '-m', '1'],
    dir,
    phoneXml,
  );
  cleanup.push(() => phone.stop());
  await sleep(300);
  const caller = await runSipp(
    sipp!,
    [
      ...['-sf', join(SIPP_DIR, callerXml), '-s', user, '-set', 'domain', domain],
      ...['-i', '127.0.0.1', '-p', `${pc}`, '-m', '1', '-timeout', '15s', callVia],
    ],
    dir,
    callerXml,
    20_000,
  );
  // the caller's last message (an ACK) is followed by 0.5 s of listening for a retransmitted final
  const phoneCode = await Promise.race([phone.exited, sleep(5_000).then(() => 'still running')]);
  return {
    reg,
    caller,
    phoneCode,
    got: received(caller),
    report: (): Record<string, string> => ({
      [`SIPp ${phoneXml}`]: phone.messages() + phone.output(),
      'SIPp register': reg.messages + reg.output,
      [`SIPp ${callerXml}`]: caller.messages + caller.output,
    }),
  };
}

describe.skipIf(!sipp)('a lab class with SIPp phones', () => {
  it('digest REGISTER (a wrong password binds nothing), CANCEL of a ringing call, a 486: as RFC 3261 and Kamailio', async () => {
    const dir = workDir('lab-class');
    const port = await freePort();
    const h = await startLab(parseLab(lab(port)), { steps: false });
    cleanup.push(() => h.stop());
    const server = `127.0.0.1:${port}`;

    const wrong = await runSipp(
      sipp!,
      [
        ...['-sf', join(SIPP_DIR, 'register.xml'), '-s', 'bob', '-set', 'domain', 'lab.example'],
        ...['-set', 'contact', '127.0.0.1:5999', '-au', 'bob', '-ap', 'wrong', '-i', '127.0.0.1'],
        ...['-p', `${await freePort()}`, '-m', '1', server],
      ],
      dir,
      'register-wrong',
      20_000,
    );
    const cancel = await flow('bob', server, 'lab.example', dir, 'ring.xml', 'cancel.xml', [
      '-au',
      'bob',
      '-ap',
      's3cret',
    ]);
    const busy = await flow('carol', server, 'lab.example', dir, 'busy.xml', 'call-busy.xml', [
      '-au',
      'carol',
      '-ap',
      'pa55',
    ]);
    await explainOnFailure(
      () => {
        // a wrong password: challenged again (401), nothing bound
        expect(wrong.code).not.toBe(0);
        expect(new Set(received(wrong))).toEqual(new Set(['SIP/2.0 401']));
        expect(
          h.events.some((e) => e.kind === 'registration' && /binding sip:bob@127\.0\.0\.1:5999/.test(e.text)),
        ).toBe(false);
        expect(cancel.reg.code).toBe(0);
        expect(received(cancel.reg)).toEqual(['SIP/2.0 401', 'SIP/2.0 200']);
        // the 487 once: the caller's ACK reached the proxy's INVITE server transaction (Timer G stopped)
        expect(cancel.got).toEqual(['SIP/2.0 100', 'SIP/2.0 180', 'SIP/2.0 200', 'SIP/2.0 487']);
        expect(cancel.caller.code).toBe(0);
        expect(cancel.phoneCode).toBe(0);
        expect(busy.got).toEqual(['SIP/2.0 100', 'SIP/2.0 486']);
        expect(busy.caller.code).toBe(0);
        expect(busy.phoneCode).toBe(0);
      },
      () => ({
        ...cancel.report(),
        ...busy.report(),
        'SIPp register (wrong password)': wrong.messages + wrong.output,
        'sipscope trace': labTraceText(h),
      }),
    );
  }, 90_000);

  it.skipIf(!kamailio)(
    'the same CANCEL and 486 flows through Kamailio give the caller the same messages',
    async () => {
      const dir = workDir('lab-class-kamailio');
      const port = await freePort();
      const cfg = readFileSync(join(import.meta.dirname, 'kamailio/registrar-proxy.cfg'), 'utf8')
        .replaceAll('__PROXY__', `127.0.0.1:${port}`)
        .replaceAll('__MODULES__', KAMAILIO_MODULES);
      const k = startKamailio(kamailio!, cfg, dir);
      cleanup.push(() => k.stop());
      await waitForSip('127.0.0.1', port, 10_000, k);
      const server = `127.0.0.1:${port}`;
      const cancel = await flow('bob', server, 'lab.test', dir, 'ring.xml', 'cancel.xml');
      const busy = await flow('carol', server, 'lab.test', dir, 'busy.xml', 'call-busy.xml');
      await explainOnFailure(
        () => {
          expect(cancel.got).toEqual(['SIP/2.0 100', 'SIP/2.0 180', 'SIP/2.0 200', 'SIP/2.0 487']);
          expect([cancel.caller.code, cancel.phoneCode]).toEqual([0, 0]);
          expect(busy.got).toEqual(['SIP/2.0 100', 'SIP/2.0 486']);
          expect([busy.caller.code, busy.phoneCode]).toEqual([0, 0]);
        },
        () => ({ ...cancel.report(), ...busy.report(), kamailio: k.output() }),
      );
    },
    90_000,
  );

  it.skipIf(!kamailio)(
    "through two proxies (caller -> Kamailio -> the lab's proxy -> phone): the 487 and the 486 reach the caller once, with the caller's Via only",
    async () => {
      const dir = workDir('lab-class-two-proxies');
      const port = await freePort();
      const h = await startLab(parseLab(lab(port)), { steps: false });
      cleanup.push(() => h.stop());
      const kport = await freePort();
      // Kamailio as an outbound proxy: record-routes INVITEs and relays everything to the lab's proxy
      const cfg = `#!KAMAILIO
debug=1
log_stderror=yes
children=2
auto_aliases=no
listen=udp:127.0.0.1:${kport}
mpath="${KAMAILIO_MODULES}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "textops.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "siputils.so"
request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (has_totag()) {
    if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
    sl_send_reply("404", "Not here");
    exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) t_relay(); exit; }
  if (is_method("INVITE")) record_route();
  $du = "sip:127.0.0.1:${port}";
  t_relay();
}
`;
      const k = startKamailio(kamailio!, cfg, dir);
      cleanup.push(() => k.stop());
      await waitForSip('127.0.0.1', kport, 10_000, k);
      const server = `127.0.0.1:${port}`;
      const front = `127.0.0.1:${kport}`;
      const cancel = await flow(
        'bob',
        server,
        'lab.example',
        dir,
        'ring.xml',
        'cancel.xml',
        ['-au', 'bob', '-ap', 's3cret'],
        front,
      );
      const busy = await flow(
        'carol',
        server,
        'lab.example',
        dir,
        'busy.xml',
        'call-busy.xml',
        ['-au', 'carol', '-ap', 'pa55'],
        front,
      );
      /** The Via lines of each final response the caller received. */
      const finalVias = (r: SippResult): string[][] =>
        r.messages
          .split(/^-{20,}.*$/m)
          .filter((b) => /(UDP|TCP) message received/.test(b) && /^SIP\/2\.0 [2-6]\d\d/m.test(b))
          .map((b) => b.split(/\r?\n/).filter((l) => /^(Via|v):/i.test(l)));
      await explainOnFailure(
        () => {
          expect(cancel.got).toEqual(['SIP/2.0 100', 'SIP/2.0 180', 'SIP/2.0 200', 'SIP/2.0 487']);
          expect([cancel.caller.code, cancel.phoneCode]).toEqual([0, 0]);
          for (const v of finalVias(cancel.caller)) expect(v).toEqual([expect.stringContaining('127.0.0.1')]);
          expect(finalVias(cancel.caller).length).toBe(2); // the CANCEL's 200 and the 487
          expect(busy.got).toEqual(['SIP/2.0 100', 'SIP/2.0 486']);
          expect([busy.caller.code, busy.phoneCode]).toEqual([0, 0]);
          expect(finalVias(busy.caller)).toEqual([[expect.stringContaining('127.0.0.1')]]);
          // every response reached the lab's proxy with a Via after its own (RFC 3261 §16.7 step 3)
          expect(h.events.some((e) => /has no Via after ours/.test(e.text))).toBe(false);
        },
        () => ({
          ...cancel.report(),
          ...busy.report(),
          kamailio: k.output(),
          'sipscope trace': labTraceText(h),
        }),
      );
    },
    90_000,
  );
});
