/**
 * What the tests of the ingest worker's fills ahead share (test/main/facts-ahead.test.ts,
 * test/main/checks-ahead.test.ts): a capture of many regions, and the check that a fill starts only
 * when the main thread says so and stops when the trace is closed.
 */
import { afterAll, expect, onTestFinished } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { generate } from '../../bench/tools/gen-sip-capture';

/** The bench's 40 MB capture (absent in a clean clone). */
export const BENCH_CAPTURE = resolve(import.meta.dirname, '../../bench/data/sip-40MB.pcap');

/**
 * The bench's 40 MB capture: bench/data's when it was generated, else the same bytes made now by its
 * generator (bench/tools/gen-sip-capture.ts, ~0.2 s) in a temporary directory removed after the test
 * file — so a clean clone (CI) checks what a machine with bench/data checks. Call at a test file's top.
 */
export function benchCapture(): string {
  if (existsSync(BENCH_CAPTURE)) return BENCH_CAPTURE;
  const dir = mkdtempSync(join(tmpdir(), 'sipscope-bench-'));
  const file = join(dir, 'sip-40MB.pcap');
  generate(file, 40);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return file;
}

/** A capture of `mb` MB from the bench's generator, in a temporary directory (the caller removes it). */
export function generatedCapture(mb: number): string {
  const out = join(mkdtempSync(join(tmpdir(), 'sipscope-fill-')), `sip-${mb}MB.pcap`);
  const gen = resolve(import.meta.dirname, '../../bench/tools/gen-sip-capture.ts');
  const r = spawnSync(process.execPath, ['--import', 'tsx', gen, out, String(mb)], { encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(out)) throw new Error(`could not generate ${out}: ${r.stderr}`);
  return out;
}

/**
 * A capture of many 256 KiB regions, so that a slowed fill is still under way when the trace is
 * closed: the bench capture when it was generated, else a 40 MB one made for this test (removed after
 * it). The public captures fit in a region or two, and a smaller file is handed over in one part,
 * without the fills ahead.
 */
export function manyRegionsCapture(): string {
  if (existsSync(BENCH_CAPTURE)) return BENCH_CAPTURE;
  const made = generatedCapture(40);
  onTestFinished(() => rmSync(dirname(made), { recursive: true, force: true }));
  return made;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A slowed fill of `total` entries: nothing done before `start()`, something done (bounded wait)
 * after it, and after `close()` no more progress, short of the whole column.
 */
export async function expectFillStartsAndStops(f: {
  done: () => number;
  start: () => void;
  close: () => void;
  total: number;
}): Promise<void> {
  await sleep(300);
  expect(f.done()).toBe(0); // (not started: the open may still be busy on this thread)
  f.start();
  const t0 = Date.now();
  while (f.done() === 0 && Date.now() - t0 < 10_000) await sleep(5);
  expect(f.done()).toBeGreaterThan(0);
  f.close();
  await sleep(300);
  const at = f.done();
  await sleep(300);
  expect(f.done()).toBe(at);
  expect(at).toBeLessThan(f.total);
}
