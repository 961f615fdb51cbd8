/**
 * The lab phones' RTP cost (README, Benchmarks: "lab media"): a lab of two phones on loopback, Alice
 * places CALLS calls to Bob (her tone, his echo: 2 × CALLS streams of 50 packets/s), then the CPU of
 * this process over SECONDS is read, with every call's media; then the same lab with `media: none`
 * (the same calls, no sockets: the SIP side alone, idle between messages). Alternates ROUNDS times.
 * Prints CPU µs per RTP packet on the wire (each sent once by one phone and received by the other)
 * and the load average. Bounded: CALLS ≤ 120 (the lab's cap is 256 sessions), SECONDS ≤ 30.
 *
 *   npx tsx bench/tools/lab-media-load.ts [CALLS=50] [SECONDS=8] [ROUNDS=3]
 */
import { loadavg } from 'node:os';
import { parseLab, startLab } from '../../src/main/live';

const [calls = 50, seconds = 8, rounds = 3] = process.argv.slice(2).map(Number);
const n = Math.min(120, calls);
const secs = Math.min(30, seconds);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function run(media: 'auto' | 'none'): Promise<{ cpuMs: number; packets: number }> {
  const mode = media === 'none' ? ', media: none' : '';
  const lab = parseLab(
    [
      'name: lab-media-load',
      'description: load',
      'nodes:',
      `  - { name: Alice, role: ua, address: "127.0.39.2:5060", aor: "sip:alice@127.0.39.2"${mode} }`,
      `  - { name: Bob, role: ua, address: "127.0.39.3:5060", aor: "sip:bob@127.0.39.3"${mode} }`,
    ].join('\n'),
  );
  const h = await startLab(lab, { steps: false });
  const alice = h.ua('Alice')!;
  const placed = [];
  for (let i = 0; i < n; i++) placed.push(alice.call('sip:bob@127.0.39.3'));
  await sleep(2000);
  const sent0 = h.media().sessions.reduce((a, s) => a + s.sent, 0);
  const c0 = process.cpuUsage();
  await sleep(secs * 1000);
  const c = process.cpuUsage(c0);
  const sent = h.media().sessions.reduce((a, s) => a + s.sent, 0) - sent0;
  for (const call of placed) alice.hangup(call);
  await sleep(500);
  await h.stop();
  return { cpuMs: (c.user + c.system) / 1000, packets: sent };
}

for (let r = 0; r < rounds; r++) {
  const on = await run('auto');
  const off = await run('none');
  const us = ((on.cpuMs - off.cpuMs) * 1000) / Math.max(1, on.packets);
  console.log(
    `round ${r + 1}: ${n} calls, ${secs} s: with media ${on.cpuMs.toFixed(0)} ms CPU for ${on.packets} RTP packets, ` +
      `without ${off.cpuMs.toFixed(0)} ms: ${us.toFixed(1)} µs per packet (${((on.packets / secs) | 0).toLocaleString('en')} packets/s; load ${loadavg()[0]!.toFixed(2)})`,
  );
}
