/**
 * The Lab area's "Join it" hints work as printed: the three SIPp commands labJoin gives for a running
 * lab (a phone that answers, its REGISTER, a call to it) are run as they are, against the built-in
 * registrar-proxy lab on a free loopback port, and the call goes through the proxy end to end:
 * registered, routed by the location service, answered, ACKed and hung up along the route set.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLab, startLab } from '../../src/main/live';
import { joinText, labJoin } from '../../src/main/live/join';
import { SIPP_DIR, RESOURCES_DIR } from '../../src/main/paths';
import { shellLine } from '../../src/shared/shell-line';
import { requirePeer } from '../helpers/peers';
import {
  explainOnFailure,
  freePort,
  runSipp,
  sleep,
  startSippUas,
  workDir,
  cleanupAfterEach,
  labTraceText,
} from './helpers/run-peers';

const sipp = requirePeer('sipp');
const cleanup = cleanupAfterEach();

describe('lab join hints', () => {
  it('name the registering servers and three SIPp commands with the lab’s address and domain', async () => {
    const port = await freePort();
    const yaml = readFileSync(join(RESOURCES_DIR, 'labs', 'registrar-proxy.yaml'), 'utf8').replace(
      /127\.0\.0\.1:5060/g,
      `127.0.0.1:${port}`,
    );
    const h = await startLab(parseLab(yaml), { steps: false });
    cleanup.push(() => h.stop());
    const j = labJoin(h.lab, h.listening, SIPP_DIR);
    expect(j.servers).toEqual([
      {
        node: 'proxy',
        role: 'proxy',
        transport: 'UDP',
        address: `127.0.0.1:${port}`,
        domain: 'lab.example',
        credentials: null,
      },
    ]);
    expect(j.sipp.map((c) => shellLine(c.argv))).toEqual([
      `sipp -sf ${join(SIPP_DIR, 'answer.xml')} -i 127.0.0.1 -p 5071 -m 1`,
      `sipp -sf ${join(SIPP_DIR, 'register.xml')} -s bob -set domain lab.example -set contact 127.0.0.1:5071 -i 127.0.0.1 -p 5072 -m 1 127.0.0.1:${port}`,
      `sipp -sf ${join(SIPP_DIR, 'call.xml')} -s bob -set domain lab.example -i 127.0.0.1 -p 5073 -m 1 127.0.0.1:${port}`,
    ]);
    expect(joinText(j)).toContain(`register with proxy at 127.0.0.1:${port} (UDP), domain lab.example`);
  });

  it('pick a user no UA of the lab has, and skip a registrar that only registers', async () => {
    const lab = parseLab(readFileSync(join(RESOURCES_DIR, 'labs', 'trapezoid.yaml'), 'utf8'));
    const listening = lab.nodes.map((n) => ({
      node: n.name,
      role: n.role,
      transport: 'UDP',
      address: n.address!,
    }));
    const j = labJoin(lab, listening, SIPP_DIR);
    expect(j.servers.map((s) => `${s.node} ${s.domain}`)).toEqual([
      'atlanta.example.com atlanta.example.com',
      'biloxi.example.com biloxi.example.com',
    ]);
    // Bob is the lab's own UA: the SIPp phone is carol, and the commands bind the proxy's loopback host.
    expect(j.sipp[1]!.argv).toEqual(expect.arrayContaining(['-s', 'carol', '-i', '127.0.0.20']));
    const digest = parseLab(
      [
        'name: reg-only',
        'description: a digest registrar',
        'nodes:',
        '  - { name: reg, role: registrar, address: "127.0.0.1:5070", users: { alice: s3cret } }',
      ].join('\n'),
    );
    const d = labJoin(
      digest,
      [{ node: 'reg', role: 'registrar', transport: 'UDP', address: '127.0.0.1:5070' }],
      SIPP_DIR,
    );
    expect(d.servers[0]!.credentials).toEqual({ user: 'alice', password: 's3cret' });
    expect(d.sipp).toEqual([]); // it answers calls with 405: no call command through it
  });

  it.skipIf(!sipp)('run as printed, register a SIPp phone and put a call through the lab to it', async () => {
    const dir = workDir('lab-join');
    const port = await freePort();
    const ports = [await freePort(), await freePort(), await freePort()] as const;
    const yaml = readFileSync(join(RESOURCES_DIR, 'labs', 'registrar-proxy.yaml'), 'utf8').replace(
      /127\.0\.0\.1:5060/g,
      `127.0.0.1:${port}`,
    );
    const h = await startLab(parseLab(yaml), { steps: false });
    cleanup.push(() => h.stop());
    const [answer, register, call] = labJoin(h.lab, h.listening, SIPP_DIR, ports).sipp.map((c) =>
      c.argv.slice(1),
    );
    const phone = startSippUas(sipp!, answer!, dir, 'phone');
    cleanup.push(() => phone.stop());
    await sleep(300);
    const reg = await runSipp(sipp!, register!, dir, 'register', 20_000);
    const caller = await runSipp(sipp!, call!, dir, 'call', 30_000);
    const phoneCode = await Promise.race([phone.exited, sleep(10_000).then(() => 'still running')]);
    await explainOnFailure(
      () => {
        expect(reg.code).toBe(0);
        expect(caller.code).toBe(0);
        expect(phoneCode).toBe(0);
        const t = h.live.trace;
        const lines = Array.from({ length: t.count }, (_, i) => t.entry(i)).map((e) =>
          e.kind === 'request' ? `${e.method}` : `${e.status}`,
        );
        // REGISTER/200; INVITE in and out, 100, 180 ×2, 200 ×2; ACK and BYE relayed along the route set.
        expect(lines.filter((l) => l === 'REGISTER')).toHaveLength(1);
        expect(lines.filter((l) => l === 'INVITE')).toHaveLength(2);
        expect(lines.filter((l) => l === 'ACK')).toHaveLength(2);
        expect(lines.filter((l) => l === 'BYE')).toHaveLength(2);
        expect(lines.filter((l) => l === '404')).toHaveLength(0);
        expect(
          h.events.some((e) => e.kind === 'registration' && /sip:bob@lab\.example: binding/.test(e.text)),
        ).toBe(true);
      },
      () => ({
        'sipscope trace': labTraceText(h),
        'SIPp phone': phone.messages() + phone.output(),
        'SIPp register': reg.messages + reg.output,
        'SIPp call': caller.messages + caller.output,
      }),
    );
  });
});
