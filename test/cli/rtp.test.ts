/**
 * `sipscope rtp`: the streams listed with the index `--stream` takes; `--wav` writes a stream (mono)
 * or a call (stereo) as a RIFF/WAVE file and says what it played — lost packets concealed (the
 * default) or, with `--losses silence`, silent (the same counts, the lost packets' samples zero; the
 * command run as `node bin/sipscope.js` too); what cannot be played exits 2 with the reason.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { rtp } from '../../src/main/cli/commands/rtp';
import { PACKETS, dropped, toneCapture } from '../sip-core/media/tone-capture';

const dir = mkdtempSync(join(tmpdir(), 'sipscope-rtp-cli-'));
const file = join(dir, 'tone.pcap');
writeFileSync(file, toneCapture());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(o: Parameters<typeof rtp>[1]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  const errs: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((m: unknown) => void errs.push(String(m)));
  try {
    const code = await rtp(file, o, (s) => void (out += s));
    return { code, out, err: errs.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

describe('sipscope rtp', () => {
  it('lists the streams with their index and call', async () => {
    const r = await run({ timing: 'timestamp' });
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^0\tC1\tRTP 10\.9\.0\.1:40000 → 10\.9\.0\.2:50000 0x11110001 g711U \[caller→callee\]: 90 pkts, lost 10/,
    );
    expect(lines[1]).toMatch(
      /^1\tC1\tRTP 10\.9\.0\.2:50000 → 10\.9\.0\.1:40000 0x22220002 g711U \[callee→caller\]: 100 pkts/,
    );
  });

  it('writes a call in stereo and a stream in mono', async () => {
    const stereo = join(dir, 'call.wav');
    const r = await run({ call: 'C1', wav: stereo, timing: 'timestamp' });
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      `${stereo}: 8000 Hz stereo (left caller → callee, right callee → caller), 2.050 s, by timestamp, losses concealed\n` +
        '  stream 0 left: PCMU, 90 packets played, 10 lost (10 gaps concealed), 0 duplicates, 1 out of order\n' +
        '  stream 1 right: PCMU, 100 packets played, 0 lost, 0 duplicates, 0 out of order\n',
    );
    const b = readFileSync(stereo);
    expect(b.subarray(0, 4).toString('latin1') + b.subarray(8, 12).toString('latin1')).toBe('RIFFWAVE');
    expect(b.readUInt16LE(22)).toBe(2);
    expect(b.length).toBe(44 + 16_400 * 4);
    const mono = join(dir, 'stream.wav');
    expect((await run({ stream: '1', wav: mono, timing: 'arrival' })).out).toMatch(
      /8000 Hz mono, 2\.000 s, by arrival/,
    );
    expect(readFileSync(mono).length).toBe(44 + 16_000 * 2);
  });

  it('--losses silence: the same counts, said silent; the lost packets are zeros where concealment filled them (also as `node bin/sipscope.js rtp`)', () => {
    const repo = path.resolve(__dirname, '../..');
    const wav = (losses: string): { out: string; pcm: Int16Array } => {
      const f = join(dir, `stream0-${losses}.wav`);
      const out = execFileSync(
        'node',
        [join(repo, 'bin/sipscope.js'), 'rtp', file, '--stream', '0', '--wav', f, '--losses', losses],
        { encoding: 'utf8', cwd: repo },
      );
      const b = readFileSync(f).subarray(44);
      return { out, pcm: new Int16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)) };
    };
    const silent = wav('silence');
    const concealed = wav('conceal');
    expect(silent.out).toContain('by timestamp, losses silent\n');
    expect(silent.out).toContain('  stream 0: PCMU, 90 packets played, 10 lost (silent), 0 duplicates');
    expect(concealed.out).toContain('by timestamp, losses concealed\n');
    expect(concealed.out).toContain('10 lost (10 gaps concealed), 0 duplicates');
    expect(silent.pcm.length).toBe(PACKETS * 160);
    expect(concealed.pcm.length).toBe(PACKETS * 160);
    const rms = (x: Int16Array): number => Math.sqrt(x.reduce((e: number, v) => e + v * v, 0) / x.length);
    for (let i = 0; i < PACKETS; i++) {
      if (!dropped(i)) continue;
      expect(silent.pcm.subarray(i * 160, (i + 1) * 160).every((v) => v === 0)).toBe(true);
      expect(rms(concealed.pcm.subarray(i * 160, (i + 1) * 160))).toBeGreaterThan(1000);
    }
  });

  it('says why there is nothing to write (exit 2)', async () => {
    expect(await run({ wav: join(dir, 'x.wav'), timing: 'timestamp' })).toMatchObject({
      code: 2,
      err: 'sipscope rtp: --wav needs --call ID (stereo) or --stream N (mono)',
    });
    expect(await run({ stream: 'two', timing: 'timestamp' })).toMatchObject({ code: 2 });
    expect(await run({ stream: '5', wav: join(dir, 'x.wav'), timing: 'timestamp' })).toMatchObject({
      code: 2,
      err: 'sipscope rtp: no stream 5 in this capture',
    });
    expect(await run({ call: 'C4', timing: 'timestamp' })).toMatchObject({ code: 2 });
  });
});
