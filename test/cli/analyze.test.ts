/**
 * `sipscope analyze`: every output format on real captures, SIP text input (datagram and --stream),
 * refusal of non-pcap formats, --call, and the exit codes. Runs the command in-process, plus once
 * through bin/sipscope.js.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, type AnalyzeOptions } from '../../src/main/cli/commands/analyze';
import { havePublic, PUBLIC_CAPTURES, REPO } from '../sip-core/capture/tshark-compare';
import { LEG_A, LEG_B, UNRELATED, writeB2buaCapture } from '../helpers/b2bua-capture';

async function run(file: string, o: Partial<AnalyzeOptions>): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await analyze(
    file,
    { format: 'json', stream: false, ...o },
    { write: (s) => void (out += s) },
  );
  return { code, out };
}

const tmp = mkdtempSync(join(tmpdir(), 'sipscope-analyze-'));
const INVITE =
  'INVITE sip:bob@b.example SIP/2.0\r\nVia: SIP/2.0/TCP a.example;branch=z9hG4bK1\r\nMax-Forwards: 70\r\n' +
  'From: <sip:alice@a.example>;tag=1\r\nTo: <sip:bob@b.example>\r\nCall-ID: c1@a\r\nCSeq: 1 INVITE\r\n' +
  'Contact: <sip:alice@a.example>\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello';
const OK =
  'SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP a.example;branch=z9hG4bK1\r\nFrom: <sip:alice@a.example>;tag=1\r\n' +
  'To: <sip:bob@b.example>;tag=2\r\nCall-ID: c1@a\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';

describe('analyze: SIP text files', () => {
  it('reads a file that is not a capture as one SIP message (one datagram)', async () => {
    const f = join(tmp, 'one.sip');
    writeFileSync(f, INVITE + OK);
    const { code, out } = await run(f, {});
    expect(code).toBe(0);
    const j = JSON.parse(out);
    expect(j.source.format).toBe('sip-text');
    expect(j.messages).toHaveLength(1);
    expect(j.messages[0]).toMatchObject({
      method: 'INVITE',
      callId: 'c1@a',
      cseq: 1,
      transport: 'TCP',
      bodyLength: 5,
    });
  });

  it('--stream frames several messages by Content-Length, skipping CRLF keep-alives', async () => {
    const f = join(tmp, 'stream.sip');
    writeFileSync(f, `\r\n\r\n${INVITE}\r\n${OK}`);
    const { code, out } = await run(f, { stream: true });
    expect(code).toBe(0);
    const j = JSON.parse(out);
    expect(j.messages.map((m: { method: string; status: number }) => m.method ?? m.status)).toEqual([
      'INVITE',
      200,
    ]);
    expect(j.messages[1].toTag).toBe('2');
  });
});

describe.skipIf(!havePublic)('analyze: captures', () => {
  const tcp = `${PUBLIC_CAPTURES}/heplify__sip_ipv4_tcp_fragmented.pcap`;

  it('json follows the trace contract', async () => {
    const { code, out } = await run(`${PUBLIC_CAPTURES}/heplify__sip_ipv6_udp.pcap`, {});
    expect(code).toBe(0);
    const j = JSON.parse(out);
    expect(Object.keys(j)).toEqual(['source', 'messages', 'transactions', 'dialogs', 'calls', 'diagnostics']);
    expect(j.source).toMatchObject({
      name: 'heplify__sip_ipv6_udp.pcap',
      format: 'pcap',
      frames: 6,
      linkTypes: ['Ethernet'],
    });
    const m = j.messages[0];
    expect(m).toMatchObject({
      id: 0,
      frame: 1,
      transport: 'UDP',
      kind: 'request',
      method: 'INVITE',
      status: null,
    });
    expect(m.src).toMatch(/^\[[0-9a-f:]+\]:5060$/);
    expect(typeof m.time).toBe('number');
    expect(m.transaction === null || typeof m.transaction === 'string').toBe(true); // string once [analysis] is attached
  });

  it('ndjson: a source line, one line per message, parseable line by line', async () => {
    const { out } = await run(tcp, { format: 'ndjson' });
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0].type).toBe('source');
    const msgs = lines.filter((l) => l.type === 'message');
    expect(msgs).toHaveLength(406);
    expect(msgs[405].id).toBe(405);
  });

  it('--call keeps one Call-ID', async () => {
    const { out } = await run(tcp, { call: '17c0b3b3-dfd2-42ac-9018-6156179021c0' });
    const j = JSON.parse(out);
    expect(j.messages.length).toBeGreaterThan(1);
    expect(new Set(j.messages.map((m: { callId: string }) => m.callId))).toEqual(
      new Set(['17c0b3b3-dfd2-42ac-9018-6156179021c0']),
    );
  });

  it('text prints a table', async () => {
    const { out } = await run(`${PUBLIC_CAPTURES}/suricata__sip-tcp.pcap`, { format: 'text' });
    expect(out).toMatch(/^frame\s+time \(UTC\)/);
    expect(out).toMatch(/\n6\s+2022-02-02T\S+\s+127\.0\.0\.1:58882\s+-> 127\.0\.0\.1:5060\s+TCP\s+REGISTER /);
    expect(out).toMatch(/2 SIP messages\n$/);
  });

  it('summary counts frames, messages, diagnostics by code and what was not decoded', async () => {
    const { out } = await run(`${PUBLIC_CAPTURES}/heplify__sip_ipv4_tcp_retrans.pcap`, { format: 'summary' });
    expect(out).toContain('frames: 196');
    expect(out).toContain('SIP messages: 8 (4 requests, 4 responses)');
    expect(out).toContain('by transport: TCP 4, UDP 4');
    expect(out).toContain('requests by method: REGISTER 4');
    // A challenged REGISTER, twice.
    expect(out).toContain('responses by code: 200 2, 401 2');
    expect(out).toContain('retransmissions: 0');
    expect(out).toMatch(/tls-encrypted \(info, tcp\): 3/);
    expect(out).toMatch(/not decoded: .*tlsConnections 3/);
  });

  it('summary of a broken file names its diagnostics', async () => {
    const { out } = await run(`${PUBLIC_CAPTURES}/zeek__invalid-content-length.pcap`, { format: 'summary' });
    expect(out).toMatch(/content-length-invalid: 2 messages/);
  });

  it('a call answered and never hung up within the capture: state in-call, its duration open', async () => {
    // ws__DTMFsipinfo: INVITE/200/ACK, INFOs and re-INVITEs, no BYE (78 s of capture).
    const f = `${PUBLIC_CAPTURES}/ws__DTMFsipinfo.pcap`;
    const { out } = await run(f, { format: 'summary' });
    expect(out).toContain(
      'calls: 1 (in-call 1)\n  in-call 1: answered, no BYE when the capture ends (duration open',
    );
    const j = JSON.parse((await run(f, {})).out);
    expect(j.calls[0]).toMatchObject({ state: 'in-call', duration: 78.383692, durationOpen: true });
    const done = JSON.parse((await run(`${PUBLIC_CAPTURES}/heplify__sip_ipv4_tcp.pcap`, {})).out);
    expect(done.calls[0]).toMatchObject({ state: 'completed', durationOpen: false });
  });

  it('a NetMon 2.x file is read like a pcap', async () => {
    const { code, out } = await run(`${PUBLIC_CAPTURES}/protos__c07-sip-r2.cap`, { format: 'summary' });
    expect(code).toBe(0);
    expect(out).toMatch(/^file: protos__c07-sip-r2\.cap \(131329 bytes, netmon\)/m);
    expect(out).toContain('SIP messages: 12');
    expect(out).not.toContain('capture-format-refused');
  });
});

describe('analyze: exit codes', () => {
  it('exit 1 when the file cannot be read', async () => {
    const { code } = await run(join(tmp, 'does-not-exist.pcap'), {});
    expect(code).toBe(1);
  });

  it('a truncated capture: exit 0, messages before the damage, the offset named', async () => {
    const good = `${PUBLIC_CAPTURES}/ws__DTMFsipinfo.pcap`;
    if (!havePublic) return;
    const bytes = execFileSync('head', ['-c', '10000', good]);
    const f = join(tmp, 'cut.pcap');
    writeFileSync(f, bytes);
    const { code, out } = await run(f, {});
    expect(code).toBe(0);
    const j = JSON.parse(out);
    expect(j.messages.length).toBeGreaterThan(5);
    expect(j.diagnostics[0]).toMatchObject({ code: 'capture-truncated', severity: 'error', layer: 'file' });
    expect(j.diagnostics[0].message).toMatch(/at byte \d+/);
  });

  it('npx sipscope analyze runs through bin/sipscope.js', () => {
    const f = join(tmp, 'bin.sip');
    writeFileSync(f, OK);
    const r = spawnSync(
      process.execPath,
      [join(REPO, 'bin/sipscope.js'), 'analyze', f, '--format', 'summary'],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('SIP messages: 1 (0 requests, 1 responses)');
    const bad = spawnSync(
      process.execPath,
      [join(REPO, 'bin/sipscope.js'), 'analyze', f, '--format', 'xml'],
      { encoding: 'utf8' },
    );
    expect(bad.status).not.toBe(0);
  });
});

describe('analyze --split and --join (the calls list edits of the app)', () => {
  const file = writeB2buaCapture(join(tmp, 'b2bua.pcap'));
  const callsOf = async (o: Partial<AnalyzeOptions>): Promise<[string, string[], string[]][]> => {
    const { code, out } = await run(file, o);
    expect(code).toBe(0);
    const j = JSON.parse(out) as { calls: { id: string; callIds: string[]; links: { reason: string }[] }[] };
    return j.calls.map((c) => [c.id, c.callIds, c.links.map((l) => l.reason)]);
  };
  it('splits the link between two legs (C1,C2 or by Call-ID) or every link of one leg (C2)', async () => {
    expect(await callsOf({})).toEqual([
      ['C1', [LEG_A, LEG_B], ['x-cid']],
      ['C3', [UNRELATED], []],
    ]);
    const split = [
      ['C1', [LEG_A], []],
      ['C2', [LEG_B], []],
      ['C3', [UNRELATED], []],
    ];
    expect(await callsOf({ split: ['C1,C2'] })).toEqual(split);
    expect(await callsOf({ split: [`${LEG_B},${LEG_A}`] })).toEqual(split);
    expect(await callsOf({ split: ['C2'] })).toEqual(split);
  });
  it('joins calls (reason manual); the messages carry the joined call', async () => {
    expect(await callsOf({ join: ['C1,C3'] })).toEqual([
      ['C1', [LEG_A, LEG_B, UNRELATED], ['x-cid', 'manual']],
    ]);
    expect(await callsOf({ split: ['C1,C2'], join: ['C2,C3'] })).toEqual([
      ['C1', [LEG_A], []],
      ['C2', [LEG_B, UNRELATED], ['manual']],
    ]);
    const { out } = await run(file, { join: ['C1,C3'] });
    const j = JSON.parse(out) as { messages: { call: string }[] };
    expect(new Set(j.messages.map((m) => m.call))).toEqual(new Set(['C1']));
  });
  it('refuses a call it does not have, or a join of one call (exit 2)', async () => {
    expect((await run(file, { split: ['C9'] })).code).toBe(2);
    expect((await run(file, { join: ['C1'] })).code).toBe(2);
    expect((await run(file, { join: ['C1,nope'] })).code).toBe(2);
  });
  it('takes the options on the command line', () => {
    const r = spawnSync(
      process.execPath,
      [
        join(REPO, 'bin', 'sipscope.js'),
        'analyze',
        file,
        '--split',
        'C2',
        '--join',
        'C2,C3',
        '--format',
        'summary',
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^calls: 2 /m);
  });
});
