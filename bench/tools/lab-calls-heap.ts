/**
 * What a lab phone keeps per call it answered (docs/lab.md "Calls a lab phone keeps"): a lab of one
 * phone (its default media: it echoes what a caller sends) on 127.0.42.2:5060 answers CALLS calls
 * from real SIPp (`sipp -sn uac`, RATE calls/s, at most 200 at once, each hung up at once) on
 * loopback, BATCHES times (2–5); the heap (after a forced GC) before SIPp starts and after each batch's last call
 * ended, per call answered — the second batch's growth is what each further call costs (the first
 * also warms up) — with the phone's `calls` length and what it forgot. The live trace keeps its last 1,000
 * messages (`limit`), so what grows is the phones' state, not the trace's messages. Bounded: CALLS ≤
 * 20,000 a batch, RATE ≤ 1,000, SIPp stopped after 120 s; a batch takes CALLS/RATE + 34 s.
 *
 *   node --expose-gc --import tsx bench/tools/lab-calls-heap.ts [CALLS=5000] [RATE=200] [ROUNDS=1] [BATCHES=2] [module…]
 *
 * `module…`: bundles of src/main/live/index.ts to compare (tools/bundle-node.js; an older one from a
 * `git worktree`), measured in turn in each round in this process; none: this tree's.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

type Live = typeof import('../../src/main/live');

const args = process.argv.slice(2);
const nums = args.filter((a) => /^\d+$/.test(a)).map(Number);
const [calls = 5000, rate = 200, rounds = 1, batches = 2] = nums;
const nb = Math.max(2, Math.min(5, batches));
const n = Math.min(20_000, calls);
const r = Math.min(1000, rate);
const mods = args.filter((a) => !/^\d+$/.test(a));
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

function heap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

function sipp(): Promise<number> {
  return new Promise((done, fail) => {
    const p = spawn(
      'sipp',
      [
        ...['-sn', 'uac', '-s', 'echo', '127.0.42.2:5060', '-i', '127.0.42.3', '-p', '5060'],
        ...['-m', `${n}`, '-r', `${r}`, '-l', '200', '-timeout', '120s', '-timeout_error', '-nostdin'],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('error', fail);
    p.on('exit', (code) =>
      code === 0 ? done(0) : fail(new Error(`sipp exited ${code}: ${err.slice(0, 500)}`)),
    );
  });
}

async function measure(live: Live, label: string): Promise<void> {
  const lab = live.parseLab(
    [
      'name: lab-calls-heap',
      'description: one echo phone answering SIPp',
      'nodes:',
      '  - { name: Echo, role: ua, address: "127.0.42.2:5060", aor: "sip:echo@127.0.42.2" }',
    ].join('\n'),
  );
  const h = await live.startLab(lab, { steps: false, limit: 1000 });
  try {
    const ua = h.ua('Echo')!;
    // batches: the first warms up (code, the RTP tracker's flow table, the trace's ring), the
    // later ones' growth is what every further call costs
    const heaps = [heap()];
    let cpuUs = 0;
    let wall = 0;
    for (let b = 0; b < nb; b++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await sipp();
      wall += (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(c0);
      cpuUs += cpu.user + cpu.system;
      // the calls' transactions live 64*T1 = 32 s after they end (Timer J, RFC 6026's Timer L): the
      // heap is read once they are gone
      await sleep(34_000);
      heaps.push(heap());
    }
    const kept = ua.calls.length;
    const ended = ua.calls.filter((c) => c.state === 'terminated' || c.state === 'failed').length;
    const forgotten = (ua as { callsForgotten?: number }).callsForgotten ?? 0;
    const mb = (x: number): string => (x / 1048576).toFixed(1);
    console.log(
      `${label}: ${nb} × ${n} calls at ${r}/s in ${wall.toFixed(1)} s (CPU ${(cpuUs / 1e6).toFixed(1)} s): ` +
        `heap ${heaps.map(mb).join(' → ')} MB; per call ${heaps
          .slice(1)
          .map((x, i) => Math.round((x - heaps[i]!) / n))
          .join(
            ', ',
          )} B (a batch each: the first warms up); calls kept ${kept} (${ended} ended), forgotten ${forgotten}; ` +
        `load ${loadavg()
          .map((x) => x.toFixed(2))
          .join(' ')}`,
    );
  } finally {
    await h.stop();
  }
}

const lives: { label: string; live: Live }[] = mods.length
  ? await Promise.all(
      mods.map(async (m) => ({
        label: m,
        live: (await import(pathToFileURL(resolve(m)).href)) as Live,
      })),
    )
  : [{ label: 'this tree', live: await import('../../src/main/live') }];
for (let i = 0; i < rounds; i++) for (const l of lives) await measure(l.live, `round ${i + 1} ${l.label}`);
