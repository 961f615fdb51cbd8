/**
 * `sipscope ladder` (and `analyze --filter`, which uses the analysis filter) on the real-peer sample.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ladder } from '../../src/main/cli/commands/ladder';
import { analyze } from '../../src/main/cli/commands/analyze';
import { LEG_A, LEG_B, UNRELATED, writeB2buaCapture } from '../helpers/b2bua-capture';

const repo = path.resolve(import.meta.dirname, '../..');
const sample = path.join(repo, 'resources/samples/sample-call.pcap');

async function run(o: Parameters<typeof ladder>[1], file = sample): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await ladder(file, o, (s) => (out += s));
  return { code, out };
}

describe('sipscope ladder', () => {
  it('prints the first INVITE call as text by default', async () => {
    const { code, out } = await run({ format: 'text' });
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toBe('Call C1 (1-9721@127.0.0.10)');
    // Title, the lanes' roles, their addresses, 13 messages.
    expect(out.split('\n')[1]).toMatch(/^\s+caller · alice\s+proxy\s+callee · bob$/);
    expect(out.trimEnd().split('\n')).toHaveLength(16);
  });
  it.each(['svg', 'mermaid', 'plantuml'] as const)(
    '--call C4 --format %s has all 7 messages',
    async (format) => {
      const { code, out } = await run({ format, call: 'C4' });
      expect(code).toBe(0);
      const n =
        format === 'svg'
          ? (out.match(/<g class="arrow"/g) ?? []).length
          : format === 'mermaid'
            ? (out.match(/->>|-->>/g) ?? []).length
            : (out.match(/ -> | --> /g) ?? []).length;
      expect(n).toBe(7);
      expect(out).toContain('486 Busy Here');
    },
  );
  it('takes a Call-ID for --call and --format csv for the calls list (filtered)', async () => {
    expect((await run({ format: 'text', call: '1-9723@127.0.0.10' })).out).toContain('404 User Not Found');
    const csv = await run({ format: 'csv', filter: 'call.state == "completed"' });
    expect(csv.out.trimEnd().split('\r\n')).toHaveLength(4);
  });
  it('fails with exit 1 for an unknown call and 2 for a bad filter', async () => {
    expect((await run({ format: 'text', call: 'C42' })).code).toBe(1);
    expect((await run({ format: 'csv', filter: 'call.state =' })).code).toBe(2);
  });
  it('--pcap writes the call frames', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sipscope-cli-'));
    const f = path.join(dir, 'c5.pcap');
    expect((await run({ format: 'text', call: 'C5', pcap: f })).code).toBe(0);
    const b = readFileSync(f);
    expect(b.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(b.length).toBe(24 + 3 * 16 + (604 + 375 + 360));
  });
  it("merges repeated --call in one ladder, naming each arrow's call; --pcap writes both calls", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sipscope-cli-'));
    const f = path.join(dir, 'c4c5.pcap');
    const { code, out } = await run({ format: 'text', call: ['C4', 'C5'], pcap: f });
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Calls C4 \+ C5 \(/);
    expect(lines.slice(3).filter((l) => / C4\b/.test(l))).toHaveLength(7);
    expect(lines.slice(3).filter((l) => / C5\b/.test(l))).toHaveLength(3);
    const b = readFileSync(f);
    let n = 0;
    for (let p = 24; p < b.length; p += 16 + b.readUInt32LE(p + 8)) n++;
    expect(n).toBe(10);
    expect((await run({ format: 'text', call: ['C4', 'C42'] })).code).toBe(1);
  });
  it('runs as `npx sipscope ladder` (the CLI contract)', () => {
    const out = execFileSync(
      'node',
      [path.join(repo, 'bin/sipscope.js'), 'ladder', sample, '--call', 'C5', '--format', 'mermaid'],
      { encoding: 'utf8', cwd: repo },
    );
    expect(out).toContain('L1-->>L0: 404 User Not Found');
    const two = execFileSync(
      'node',
      [
        path.join(repo, 'bin/sipscope.js'),
        'ladder',
        sample,
        '--call',
        'C4',
        '--call',
        'C5',
        '--format',
        'mermaid',
      ],
      { encoding: 'utf8', cwd: repo },
    );
    expect(two).toContain(': [C5] 404 User Not Found');
    expect(two).toContain(': [C4] 486 Busy Here');
  });
});

describe('sipscope analyze --filter', () => {
  it('keeps only the matching messages and fills transaction/dialog/call', async () => {
    let out = '';
    const code = await analyze(
      sample,
      { format: 'json', stream: false, filter: 'sip.status >= 400' },
      { write: (s) => void (out += s) },
    );
    expect(code).toBe(0);
    const j = JSON.parse(out) as {
      messages: { frame: number; transaction: string; call: string }[];
      calls: unknown[];
    };
    expect(j.messages.map((m) => m.frame)).toEqual([43, 45, 48]);
    expect(j.messages.map((m) => m.call)).toEqual(['C4', 'C4', 'C5']);
    expect(j.messages[0]!.transaction).toMatch(/^T\d+$/);
    expect(j.calls).toHaveLength(5);
  });
});

describe('sipscope ladder --split/--join', () => {
  const file = writeB2buaCapture(
    path.join(mkdtempSync(path.join(tmpdir(), 'sipscope-ladder-')), 'b2bua.pcap'),
  );
  it('draws the calls as the user corrected them: a leg split off, joined to another call', async () => {
    const joined = await run({ format: 'text', call: 'C2', split: ['C2'], join: ['C2,C3'] }, file);
    expect(joined.code).toBe(0);
    expect(joined.out.split('\n')[0]).toBe(`Call C2 (${LEG_B}, ${UNRELATED})`);
    expect(joined.out.trimEnd().split('\n')).toHaveLength(3 + 8);
    const plain = await run({ format: 'text', call: 'C2' }, file);
    expect(plain.out.split('\n')[0]).toBe(`Call C1 (${LEG_A}, ${LEG_B})`);
    expect((await run({ format: 'text', join: ['C1,C7'] }, file)).code).toBe(2);
  });
});
