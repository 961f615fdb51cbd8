import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'sipscope.js');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

describe('sipscope CLI', () => {
  it('prints its version', () => {
    expect(execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8' }).trim()).toBe(pkg.version);
  });
  it('lists its commands in --help', () => {
    const out = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(out).toContain('Usage: sipscope');
    expect(out).toMatch(/serve \[options\] \[files\.\.\.\]/);
  });
  it('fails with a usage message on an unknown command', () => {
    const r = spawnSync(process.execPath, [bin, 'frobnicate'], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/unknown command/);
  });

  it('ends quietly when its reader closes the pipe early (| head)', () => {
    // The shell's own pipe: head reads one octet and exits while the CLI still has ~85 KB of JSON to
    // write (more than a pipe holds), which it then writes into a closed pipe.
    const r = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${bin}" analyze resources/samples/sample-problems.pcap --format json | head -c 1; echo; echo "rc=\${PIPESTATUS[0]}" >&2`,
      ],
      {
        encoding: 'utf8',
        cwd: root,
      },
    );
    expect(r.stdout).toBe('{\n');
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(r.stderr).toMatch(/rc=0/);
  });
});
