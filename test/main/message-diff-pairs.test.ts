/**
 * The Inspector's message diff (renderer/src/lib/capture/message-diff.ts) on real pairs: the
 * simulator's stack output for an INVITE and its authenticated resend, two forks' 200 OKs and a
 * proxy's incoming and outgoing copy. (Here, not in test/renderer: it reads the scenario files.)
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Simulation, loadScenario } from '../../src/sip-core/sim';
import { diffMessages, type DiffLine } from '../../src/renderer/src/lib/capture/message-diff';

const SCENARIOS = join(import.meta.dirname, '..', '..', 'resources', 'scenarios');
const flat = (d: ReturnType<typeof diffMessages>): DiffLine[] =>
  d.blocks.flatMap((b) => (b.kind === 'fold' ? b.lines : [b]));

/** The simulator's messages (the stack's own output) of a built-in scenario, patched. */
function simulated(
  name: string,
  patch: (yaml: string) => string = (y) => y,
): { from: string; to: string; text: string }[] {
  const l = loadScenario(patch(readFileSync(join(SCENARIOS, `${name}.yaml`), 'utf8')));
  expect(l.errors).toEqual([]);
  const sim = new Simulation(l.scenario!, {});
  sim.run();
  const dec = new TextDecoder();
  return sim.sipPackets.map((p) => ({ from: p.fromNode, to: p.toNode, text: dec.decode(p.bytes) }));
}

/** A changed line's marked parts: [before's, after's]. */
const marked = (l: DiffLine): [string, string] => [
  l.before!.slice(...l.beforeSpan!),
  l.after!.slice(...l.afterSpan!),
];

describe("message diff on real pairs (the simulator's stack)", () => {
  it("an INVITE and its authenticated resend: the Via's branch and the CSeq changed, Proxy-Authorization added", () => {
    const inv = simulated('invite-407').filter((m) => m.from === 'Alice' && m.text.startsWith('INVITE'));
    expect(inv).toHaveLength(2);
    const d = diffMessages(inv[0]!.text, inv[1]!.text);
    const changes = flat(d).filter((l) => l.kind !== 'same');
    expect(changes.map((l) => [l.kind, l.name])).toEqual([
      ['changed', 'via'],
      ['changed', 'cseq'],
      ['added', 'proxy-authorization'],
    ]);
    // Only the branch parameter is marked in the Via, only the number in the CSeq.
    expect(marked(changes[0]!)).toEqual(['z9hG4bK4f4a11a2060b9a42', 'z9hG4bK8513bba318a2d268']);
    expect(marked(changes[1]!)).toEqual(['1', '2']);
    // The body (SDP) is the same line for line.
    expect(d.moved).toBe(0);
  });

  it("two forks' 200 OKs: the To tag, the Contact and the SDP's origin and address differ", () => {
    const oks = simulated('forking-parallel', (y) =>
      y.replace('answer: { after: null }', 'answer: { after: 3s }'),
    ).filter((m) => m.to === 'Proxy' && /^SIP\/2\.0 200 [^]*CSeq: 1 INVITE/.test(m.text));
    expect(oks.map((m) => m.from)).toEqual(['Bob desk', 'Bob mobile']);
    const d = diffMessages(oks[0]!.text, oks[1]!.text);
    const changes = flat(d).filter((l) => l.kind !== 'same');
    expect(changes.map((l) => [l.kind, l.name ?? l.after!.slice(0, 2)])).toEqual([
      ['changed', 'via'],
      ['changed', 'to'],
      ['changed', 'contact'],
      ['changed', 'o='],
      ['changed', 'c='],
    ]);
    expect(marked(changes[2]!)).toEqual(['192.0.2.41', '192.0.2.42']);
    expect(marked(changes[4]!)).toEqual(['192.0.2.41', '192.0.2.42']);
  });

  it("a proxy's incoming and outgoing copy of the INVITE: its Via on top, the old one stamped, Record-Route, Max-Forwards", () => {
    const m = simulated('invite-407');
    const incoming = m.filter((x) => x.from === 'Alice' && x.text.startsWith('INVITE'))[1]!;
    const outgoing = m.find((x) => x.from === 'Proxy' && x.text.startsWith('INVITE'))!;
    const changes = flat(diffMessages(incoming.text, outgoing.text)).filter((l) => l.kind !== 'same');
    expect(changes.map((l) => [l.kind, l.name])).toEqual([
      ['added', 'via'],
      ['changed', 'via'],
      ['added', 'record-route'],
      ['changed', 'max-forwards'],
    ]);
    expect(changes[0]!.after).toContain('192.0.2.20:5060');
    expect(marked(changes[1]!)).toEqual(['rport', 'rport=5060;received=192.0.2.10']);
    expect(marked(changes[3]!)).toEqual(['70', '69']);
  });
});
