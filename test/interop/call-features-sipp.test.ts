/**
 * The call features a real peer implements, against SIPp over loopback (resources/sipp): reliable
 * provisional responses (RFC 3262) and session timers (RFC 4028), sipscope's user agent on each
 * side. Each test starts a lab with one phone and SIPp on random loopback ports and stops them.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { parseLab, startLab, type LabHandle } from '../../src/main/live';
import { SIPP_DIR } from '../../src/main/paths';
import { requirePeer } from '../helpers/peers';
import {
  cleanupAfterEach,
  explainOnFailure,
  freePort,
  labTraceText,
  runSipp,
  sleep,
  startSippUas,
  workDir,
} from './helpers/run-peers';

const sipp = requirePeer('sipp');
const cleanup = cleanupAfterEach();

async function lab(text: string): Promise<LabHandle> {
  const h = await startLab(parseLab(text));
  cleanup.push(() => h.stop());
  return h;
}

/** The lab's live trace as `method`/`status` lines with the named header fields' values. */
function wire(h: LabHandle, fields: string[]): string[] {
  const t = h.live.trace;
  const out: string[] = [];
  for (let i = 0; i < t.count; i++) {
    const e = t.entry(i);
    const text = new TextDecoder().decode(t.raw(i));
    const head = e.kind === 'request' ? `${e.method}` : `${e.status}`;
    const cseq = /^CSeq: *(.*)$/im.exec(text)?.[1]?.trim() ?? '';
    const vals = fields
      .map((f) => [f, new RegExp(`^${f}: *(.*)$`, 'im').exec(text)?.[1]?.trim()] as const)
      .filter(([, v]) => v !== undefined)
      .map(([f, v]) => `${f}: ${v}`);
    out.push([`${head} (${cseq})`, ...vals].join(' | '));
  }
  return out;
}

describe.skipIf(!sipp)('call features against SIPp', () => {
  it('sipscope calls SIPp with Supported: 100rel: the reliable 183 is PRACKed once with RAck (its copy not again), the 200 follows the PRACK', async () => {
    const dir = workDir('prack-uac');
    const [pa, pb] = [await freePort(), await freePort()];
    const uas = startSippUas(
      sipp!,
      ['-sf', join(SIPP_DIR, 'uas-100rel.xml'), '-i', '127.0.0.1', '-p', `${pb}`, '-m', '1'],
      dir,
      'uas',
    );
    cleanup.push(() => uas.stop());
    await sleep(300);
    const h = await lab(
      [
        'name: prack-uac',
        'description: sipscope calls SIPp with 100rel',
        'nodes:',
        `  - { name: Alice, role: ua, address: '127.0.0.1:${pa}', aor: 'sip:alice@127.0.0.1', use100rel: true, rtp: false }`,
        'steps:',
        `  - { at: 200ms, node: Alice, action: call, to: 'sip:bob@127.0.0.1:${pb}' }`,
        `  - { at: 2s, node: Alice, action: hangup }`,
      ].join('\n'),
    );
    const code = await Promise.race([uas.exited, sleep(15_000).then(() => 'still running')]);
    await explainOnFailure(
      () => {
        expect(code).toBe(0);
        expect(h.ua('Alice')!.results).toEqual(['PRACK 200', 'BYE 200']);
        expect(wire(h, ['Supported', 'Require', 'RSeq', 'RAck'])).toEqual([
          'INVITE (1 INVITE) | Supported: 100rel',
          '183 (1 INVITE) | Require: 100rel | RSeq: 1',
          'PRACK (2 PRACK) | RAck: 1 1 INVITE',
          // a copy crossing the PRACK (a retransmission: the same RSeq) is not PRACKed again
          '183 (1 INVITE) | Require: 100rel | RSeq: 1',
          '200 (2 PRACK)',
          '200 (1 INVITE)',
          'ACK (1 ACK)',
          'BYE (3 BYE)',
          '200 (3 BYE)',
        ]);
      },
      () => ({ 'sipscope trace': labTraceText(h), 'SIPp UAS': uas.messages() + uas.output() }),
    );
  });

  it('SIPp calls sipscope with Supported: 100rel: the reliable 183 is resent until the late PRACK, then 200 PRACK and 200 INVITE', async () => {
    const dir = workDir('prack-uas');
    const [pa, pb] = [await freePort(), await freePort()];
    const h = await lab(
      [
        'name: prack-uas',
        'description: SIPp calls sipscope with 100rel',
        'nodes:',
        `  - { name: Bob, role: ua, address: '127.0.0.1:${pa}', aor: 'sip:bob@127.0.0.1', use100rel: true, earlyMedia: true, rtp: false, answer: { after: 200ms } }`,
      ].join('\n'),
    );
    const uac = await runSipp(
      sipp!,
      [
        ...['-sf', join(SIPP_DIR, 'uac-100rel.xml'), '-s', 'bob', '-i', '127.0.0.1', '-p', `${pb}`],
        ...['-m', '1', `127.0.0.1:${pa}`],
      ],
      dir,
      'uac',
      20_000,
    );
    await explainOnFailure(
      () => {
        expect(uac.code).toBe(0);
        const w = wire(h, ['Require', 'RSeq', 'RAck']);
        // 183 at 0, 0.5 s (T1) and, the PRACK coming at 1.2 s, not at 1.5 s
        expect(w.filter((l) => l.startsWith('183 '))).toEqual([
          '183 (1 INVITE) | Require: 100rel | RSeq: 1',
          '183 (1 INVITE) | Require: 100rel | RSeq: 1',
        ]);
        expect(w.filter((l) => !l.startsWith('183 '))).toEqual([
          'INVITE (1 INVITE)',
          'PRACK (2 PRACK) | RAck: 1 1 INVITE',
          '200 (2 PRACK)',
          '200 (1 INVITE)',
          'ACK (1 ACK)',
          'BYE (3 BYE)',
          '200 (3 BYE)',
        ]);
        expect(h.ua('Bob')!.calls.map((c) => `${c.state} ${c.status}`)).toEqual(['terminated 200']);
      },
      () => ({ 'sipscope trace': labTraceText(h), 'SIPp UAC': uac.messages + uac.output }),
    );
  });

  it('sipscope calls SIPp with session timers: 422 Min-SE, the retry asks for it, the refresher re-INVITEs at half the interval', async () => {
    const dir = workDir('timer-uac');
    const [pa, pb] = [await freePort(), await freePort()];
    // short intervals for a short test (real ones are at least 90 s, RFC 4028 §4)
    const uas = startSippUas(
      sipp!,
      [
        ...['-sf', join(SIPP_DIR, 'uas-session-timer.xml'), '-set', 'minse', '2'],
        ...['-i', '127.0.0.1', '-p', `${pb}`, '-m', '1'],
      ],
      dir,
      'uas',
    );
    cleanup.push(() => uas.stop());
    await sleep(300);
    const h = await lab(
      [
        'name: timer-uac',
        'description: sipscope calls SIPp with session timers',
        'nodes:',
        `  - { name: Alice, role: ua, address: '127.0.0.1:${pa}', aor: 'sip:alice@127.0.0.1', sessionExpires: 1, rtp: false }`,
        'steps:',
        `  - { at: 200ms, node: Alice, action: call, to: 'sip:bob@127.0.0.1:${pb}' }`,
        `  - { at: 2s, node: Alice, action: hangup }`,
      ].join('\n'),
    );
    const code = await Promise.race([uas.exited, sleep(15_000).then(() => 'still running')]);
    await explainOnFailure(
      () => {
        expect(code).toBe(0);
        expect(wire(h, ['Supported', 'Session-Expires', 'Min-SE', 'Require'])).toEqual([
          'INVITE (1 INVITE) | Supported: timer | Session-Expires: 1',
          '422 (1 INVITE) | Min-SE: 2',
          'ACK (1 ACK)',
          'INVITE (2 INVITE) | Supported: timer | Session-Expires: 2 | Min-SE: 2',
          '200 (2 INVITE) | Session-Expires: 2;refresher=uac | Require: timer',
          'ACK (2 ACK)',
          'INVITE (3 INVITE) | Supported: timer | Session-Expires: 2;refresher=uac',
          '200 (3 INVITE) | Session-Expires: 2;refresher=uac | Require: timer',
          'ACK (3 ACK)',
          'BYE (4 BYE)',
          '200 (4 BYE)',
        ]);
      },
      () => ({ 'sipscope trace': labTraceText(h), 'SIPp UAS': uas.messages() + uas.output() }),
    );
  });

  it('SIPp calls sipscope with session timers: 422 with our Min-SE, then 200 naming the caller refresher, and its refresh answered', async () => {
    const dir = workDir('timer-uas');
    const [pa, pb] = [await freePort(), await freePort()];
    const h = await lab(
      [
        'name: timer-uas',
        'description: SIPp calls sipscope with session timers',
        'nodes:',
        `  - { name: Bob, role: ua, address: '127.0.0.1:${pa}', aor: 'sip:bob@127.0.0.1', minSE: 90, rtp: false, answer: { after: 200ms } }`,
      ].join('\n'),
    );
    const uac = await runSipp(
      sipp!,
      [
        ...['-sf', join(SIPP_DIR, 'uac-session-timer.xml'), '-s', 'bob', '-i', '127.0.0.1', '-p', `${pb}`],
        ...['-m', '1', `127.0.0.1:${pa}`],
      ],
      dir,
      'uac',
      20_000,
    );
    await explainOnFailure(
      () => {
        expect(uac.code).toBe(0);
        const w = wire(h, ['Session-Expires', 'Min-SE', 'Require']);
        expect(w.filter((l) => !/^(100|180) /.test(l))).toEqual([
          'INVITE (1 INVITE) | Session-Expires: 30',
          '422 (1 INVITE) | Min-SE: 90',
          'ACK (1 ACK)',
          'INVITE (2 INVITE) | Session-Expires: 90 | Min-SE: 90',
          '200 (2 INVITE) | Session-Expires: 90;refresher=uac | Require: timer',
          'ACK (2 ACK)',
          'INVITE (3 INVITE) | Session-Expires: 90;refresher=uac',
          '200 (3 INVITE) | Session-Expires: 90;refresher=uac | Require: timer',
          'ACK (3 ACK)',
          'BYE (4 BYE)',
          '200 (4 BYE)',
        ]);
        expect(h.ua('Bob')!.calls.map((c) => `${c.state} ${c.status}`)).toEqual([
          'failed 422',
          'terminated 200',
        ]);
      },
      () => ({ 'sipscope trace': labTraceText(h), 'SIPp UAC': uac.messages + uac.output }),
    );
  });
});
