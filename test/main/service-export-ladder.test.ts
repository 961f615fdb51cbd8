/**
 * Ladder exports through the service on the sample capture (SIPp → Kamailio → SIPp, five calls):
 * one call, and several calls merged in one ladder as the multi-call view draws them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Invoke } from '../../src/shared/api';
import { validateRequest } from '../../src/shared/validate';
import { sampleHost } from '../helpers/sample-host';

const sample = sampleHost();
let callIds: string[];
const messageCount = new Map<string, number>();

beforeAll(async () => {
  const page = await sample.host.invoke(Invoke.callsQuery, {
    captureId: sample.cap.id,
    offset: 0,
    limit: 100,
  });
  callIds = page.items.map((c) => c.id);
  for (const c of page.items) messageCount.set(c.id, c.messages);
});

function arrowsIn(svg: string): string[] {
  return [...svg.matchAll(/<g class="arrow" data-id="(\d+)"[^>]*data-call="([^"]+)"/g)].map((m) => m[2]!);
}

describe('export:ladder', () => {
  it('exports one call with one arrow per message and no legend', async () => {
    const c = callIds[0]!;
    const f = await sample.host.invoke(Invoke.exportLadder, {
      captureId: sample.cap.id,
      calls: [c],
      format: 'svg',
    });
    expect(f.fileName).toMatch(new RegExp(`-${c}\\.svg$`));
    const arrows = arrowsIn(f.text!);
    expect(arrows.length).toBe(messageCount.get(c));
    expect(new Set(arrows)).toEqual(new Set([c]));
    expect(f.text).not.toContain('class="legend"');
    expect(f.text).toContain(`<title>Call ${c}</title>`);
  });

  it('merges several calls in trace order, each arrow on its call band, with a legend', async () => {
    const [a, b] = callIds;
    const f = await sample.host.invoke(Invoke.exportLadder, {
      captureId: sample.cap.id,
      calls: [a!, b!],
      format: 'svg',
    });
    expect(f.fileName).toMatch(new RegExp(`-${a}\\+${b}\\.svg$`));
    const svg = f.text!;
    const arrows = arrowsIn(svg);
    expect(arrows.length).toBe(messageCount.get(a!)! + messageCount.get(b!)!);
    expect(arrows.filter((x) => x === a).length).toBe(messageCount.get(a!));
    // trace order: message ids ascend through the merged ladder
    const ids = [...svg.matchAll(/<g class="arrow" data-id="(\d+)"/g)].map((m) => Number(m[1]));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    const legend = svg.slice(
      svg.indexOf('<g class="legend">'),
      svg.indexOf('</g>', svg.indexOf('class="legend"')),
    );
    expect(legend).toContain(`>${a}</text>`);
    expect(legend).toContain(`>${b}</text>`);
    expect([...svg.matchAll(/<rect [^>]*data-call="/g)].length).toBe(arrows.length);
    expect(svg).toContain(`<title>Calls ${a} + ${b}</title>`);
  });

  it("names each arrow's call in text, Mermaid and PlantUML when several calls are drawn", async () => {
    const [a, b] = callIds;
    const text = (
      await sample.host.invoke(Invoke.exportLadder, {
        captureId: sample.cap.id,
        calls: [a!, b!],
        format: 'text',
      })
    ).text!;
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^Calls ${a} \\+ ${b} \\(`));
    // Title, the lanes' roles, their addresses, then one row per message.
    expect(lines[1]).toMatch(/caller · alice/);
    const rows = lines.slice(3);
    expect(rows.length).toBe(messageCount.get(a!)! + messageCount.get(b!)!);
    expect(rows.filter((l) => new RegExp(`\\s${a}\\b`).test(l)).length).toBe(messageCount.get(a!));
    const mmd = (
      await sample.host.invoke(Invoke.exportLadder, {
        captureId: sample.cap.id,
        calls: [a!, b!],
        format: 'mermaid',
      })
    ).text!;
    expect(mmd.split('\n').filter((l) => l.includes(`: [${b}] `)).length).toBe(messageCount.get(b!));
    const puml = (
      await sample.host.invoke(Invoke.exportLadder, {
        captureId: sample.cap.id,
        calls: [a!, b!],
        format: 'plantuml',
      })
    ).text!;
    expect(puml).toContain(`title Calls ${a} + ${b}`);
    expect(puml.split('\n').filter((l) => l.includes(` : [${a}] `)).length).toBe(messageCount.get(a!));
  });

  it('draws a call named twice once, and refuses an unknown call by name', async () => {
    const a = callIds[0]!;
    const twice = await sample.host.invoke(Invoke.exportLadder, {
      captureId: sample.cap.id,
      calls: [a, a],
      format: 'svg',
    });
    expect(arrowsIn(twice.text!).length).toBe(messageCount.get(a));
    await expect(
      sample.host.invoke(Invoke.exportLadder, {
        captureId: sample.cap.id,
        calls: [a, 'C999'],
        format: 'svg',
      }),
    ).rejects.toThrow(/no call C999/);
  });

  it("tells each lane's role, for one call and several (ladder:roles)", async () => {
    const [a, b] = callIds;
    const one = await sample.host.invoke(Invoke.ladderRoles, { captureId: sample.cap.id, calls: [a!] });
    expect(one.map((r) => `${r.address}=${r.role}/${r.user ?? ''}`)).toEqual([
      '127.0.0.10:5060=caller/alice',
      '127.0.0.20:5060=proxy/',
      '127.0.0.30:5060=callee/bob',
    ]);
    expect(one[1]!.agent).toMatch(/^kamailio/);
    const two = await sample.host.invoke(Invoke.ladderRoles, { captureId: sample.cap.id, calls: [a!, b!] });
    expect(two.map((r) => r.role)).toContain('proxy');
    expect(
      await sample.host.invoke(Invoke.ladderRoles, { captureId: sample.cap.id, calls: ['C999'] }),
    ).toEqual([]);
    expect(() => validateRequest(Invoke.ladderRoles, { captureId: sample.cap.id, calls: [] })).toThrow(
      /calls must list 1 to 100 calls/,
    );
    expect(() =>
      validateRequest(Invoke.ladderRoles, { captureId: sample.cap.id, calls: ['C1'], x: 1 }),
    ).toThrow(/unexpected field/);
  });

  it('validates the call list', () => {
    const problem = (req: unknown): string | null => {
      try {
        validateRequest(Invoke.exportLadder, req);
        return null;
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(problem({ captureId: 'x', calls: [], format: 'svg' })).toMatch(/calls must list 1 to 100 calls/);
    expect(problem({ captureId: 'x', call: 'C1', format: 'svg' })).toMatch(/calls must list/);
    expect(problem({ captureId: 'x', calls: ['C1', ''], format: 'svg' })).toMatch(/calls must be strings/);
    expect(problem({ captureId: 'x', calls: ['C1'], format: 'png' })).toMatch(/unknown ladder format/);
    expect(problem({ captureId: 'x', calls: ['C1', 'C2'], format: 'svg', extra: 1 })).toMatch(
      /unexpected field/,
    );
    expect(problem({ captureId: 'x', calls: ['C1', 'C2'], format: 'svg' })).toBeNull();
  });
});
