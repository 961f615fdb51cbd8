/**
 * Real SIPp against sipscope's elements on real sockets: SIPp UAC → sipscope proxy (stateful with
 * Record-Route, and stateless) → SIPp UAS; SIPp REGISTER with digest → sipscope registrar.
 * Each test starts its own lab and SIPp on random loopback ports and stops them.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { parseLab, startLab, type LabHandle } from '../../src/main/live';
import { requirePeer } from '../helpers/peers';
import {
  explainOnFailure,
  freePort,
  runSipp,
  SAMPLES,
  sleep,
  startSippUas,
  workDir,
  type Peer,
  cleanupAfterEach,
  labTraceText,
} from './helpers/run-peers';

const sipp = requirePeer('sipp');
const cleanup = cleanupAfterEach();

const STATEFUL = (uas: number): string => `
request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (has_totag()) {
    if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
    sl_send_reply("404", "Not here");
    exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
  if (is_method("INVITE")) { record_route(); }
  $du = "sip:127.0.0.1:${uas}";
  t_relay();
}`;

const STATELESS = (uas: number): string => `
request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (has_totag()) {
    if (loose_route()) { forward(); exit; }
    if (is_method("ACK")) { forward(); exit; }
    sl_send_reply("404", "Not here");
    exit;
  }
  if (is_method("INVITE")) { record_route(); }
  $du = "sip:127.0.0.1:${uas}";
  forward();
}`;

async function proxyLab(script: string, port: number, transport: 'UDP' | 'TCP' = 'UDP'): Promise<LabHandle> {
  const text = `name: interop-proxy\ndescription: proxy for SIPp\nnodes:\n  - name: proxy\n    role: proxy\n    transport: ${transport}\n    address: "127.0.0.1:${port}"\n    script: |\n${script
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n')}\n`;
  const h = await startLab(parseLab(text));
  cleanup.push(() => h.stop());
  return h;
}

describe.skipIf(!sipp)('SIPp through sipscope elements', () => {
  for (const [kind, transport] of [
    ['stateful', 'UDP'],
    ['stateless', 'UDP'],
    ['stateful', 'TCP'],
  ] as const) {
    it(`SIPp UAC → sipscope ${kind} proxy → SIPp UAS over ${transport}: every call answered and torn down`, async () => {
      const dir = workDir(`sipp-${kind}`);
      const [pp, uasPort, uacPort] = [await freePort(), await freePort(), await freePort()];
      const h = await proxyLab(kind === 'stateful' ? STATEFUL(uasPort) : STATELESS(uasPort), pp, transport);
      const tcp = transport === 'TCP' ? ['-t', 't1'] : [];
      const calls = 20;
      const uas: Peer & { messages(): string } = startSippUas(
        sipp!,
        [
          '-sf',
          join(SAMPLES, 'uas-answer.xml'),
          '-i',
          '127.0.0.1',
          '-p',
          String(uasPort),
          '-m',
          String(calls),
          ...tcp,
        ],
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
          `127.0.0.1:${pp}`,
          '-i',
          '127.0.0.1',
          '-p',
          String(uacPort),
          '-m',
          String(calls),
          '-r',
          '20',
          ...tcp,
          '-d',
          '100',
          '-timeout',
          '40',
        ],
        dir,
        'uac',
      );
      await explainOnFailure(
        async () => {
          expect(uac.code).toBe(0);
          expect(uac.output).toMatch(new RegExp(`Successful call\\s*\\|\\s*\\d+\\s*\\|\\s*${calls}\\s`));
          await sleep(300);
          const t = h.live.trace;
          const P = `127.0.0.1:${pp}`;
          // Towards the UAS (over TCP the proxy's side of that connection has an ephemeral port).
          const U = `127.0.0.1:${uasPort}`;
          let inInvites = 0;
          let outInvites = 0;
          let byes = 0;
          for (let i = 0; i < t.count; i++) {
            const e = t.entry(i);
            if (e.method === 'INVITE' && e.dst === P) inInvites++;
            if (e.method === 'INVITE' && e.dst === U) {
              outInvites++;
              // record_route(): the forwarded INVITE carries our Record-Route (RFC 3261 §16.6 step 4).
              const m = t.message(i);
              expect(m.headerAll('record-route').join(',')).toContain(`127.0.0.1:${pp}`);
              expect(m.viaCount).toBe(2);
            }
            if (e.method === 'BYE' && e.dst === U) byes++;
          }
          expect(inInvites).toBeGreaterThanOrEqual(calls);
          expect(outInvites).toBeGreaterThanOrEqual(calls);
          expect(byes).toBeGreaterThanOrEqual(calls);
          // A stateful proxy answers the INVITE with 100 Trying itself (RFC 3261 §16.2); a stateless one does not.
          const trying = Array.from({ length: t.count }, (_, i) => t.entry(i)).filter(
            (e) => e.status === 100 && e.src === P,
          ).length;
          if (kind === 'stateful') expect(trying).toBeGreaterThanOrEqual(calls);
          else expect(trying).toBe(0);
        },
        () => ({
          'sipscope trace': labTraceText(h),
          'SIPp UAC messages': uac.messages,
          'SIPp UAC output': uac.output,
          'SIPp UAS messages': uas.messages(),
        }),
      );
    });
  }

  it('SIPp REGISTER with digest → sipscope registrar: challenged, then bound; a wrong password is challenged again', async () => {
    const dir = workDir('sipp-register');
    const [rp, up] = [await freePort(), await freePort()];
    const h = await startLab(
      parseLab(
        `name: interop-registrar\ndescription: digest registrar\nnodes:\n  - { name: registrar, role: registrar, address: "127.0.0.1:${rp}", users: { alice: s3cret } }\n`,
      ),
    );
    cleanup.push(() => h.stop());
    const common = [
      '-s',
      'alice',
      `127.0.0.1:${rp}`,
      '-i',
      '127.0.0.1',
      '-p',
      String(up),
      '-m',
      '1',
      '-au',
      'alice',
      '-timeout',
      '20',
    ];
    const ok = await runSipp(
      sipp!,
      ['-sf', join(import.meta.dirname, 'sipp/register-digest.xml'), ...common, '-ap', 's3cret'],
      dir,
      'reg',
    );
    const bad = await runSipp(
      sipp!,
      ['-sf', join(import.meta.dirname, 'sipp/register-wrong-password.xml'), ...common, '-ap', 'wrong'],
      dir,
      'bad',
    );
    await explainOnFailure(
      async () => {
        expect(ok.code).toBe(0);
        expect(bad.code).toBe(0);
        const t = h.live.trace;
        const statuses = Array.from({ length: t.count }, (_, i) => t.entry(i))
          .filter((e) => e.kind === 'response')
          .map((e) => e.status);
        expect(statuses).toEqual([401, 200, 401, 401]);
        // The 401 carries a digest challenge (RFC 3261 §22.4, RFC 7616).
        expect(t.message(1).headerAll('www-authenticate')[0]).toMatch(/^Digest .*nonce="/);
        expect(
          h.events.some(
            (e) =>
              e.node === 'registrar' && new RegExp(`binding sip:alice@127\\.0\\.0\\.1:${up}`).test(e.text),
          ),
        ).toBe(true);
      },
      () => ({
        'sipscope trace': labTraceText(h),
        'SIPp (good password)': ok.messages + ok.output,
        'SIPp (wrong password)': bad.messages + bad.output,
      }),
    );
  });
});
