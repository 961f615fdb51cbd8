/**
 * Exports of a call's ladder (or of several calls merged): plain text, Mermaid (`sequenceDiagram`),
 * PlantUML and standalone SVG. All draw from {@link LadderModel}: every message in trace order, lanes
 * by host:port; with several calls each arrow names its call (text, Mermaid, PlantUML) or sits on its
 * call's colour band with a legend (SVG).
 */
import { fitLabel, fitText } from '../../../shared/text-fit';
import type { LadderArrow, LadderModel } from './model';

export type LadderFormat = 'text' | 'mermaid' | 'plantuml' | 'svg';
export const LADDER_FORMATS: readonly LadderFormat[] = ['text', 'mermaid', 'plantuml', 'svg'];

/** Colours of the calls' bands (SVG), by the call's position in {@link LadderModel.calls}. */
const CALL_COLOURS = ['#e8f0ff', '#fff1d6', '#e3f6e8', '#f7e4f3', '#e6f7f7', '#f3f0dc'];
const CALL_INKS = ['#2b59c3', '#b26b00', '#1e7b3a', '#a33a8f', '#14808a', '#7a6a12'];

function multi(m: LadderModel): boolean {
  return m.calls.length > 1;
}

function arrowLabel(a: LadderArrow, withCall = false): string {
  let s = withCall ? `[${a.call}] ${a.label}` : a.label;
  if (a.sdp) s += ' (SDP)';
  if (a.retransmission) s += ' [retransmission]';
  return s;
}

function tags(a: LadderArrow, withCall: boolean): string {
  const out: string[] = [];
  if (withCall) out.push(a.call);
  if (a.transaction) out.push(a.transaction);
  if (a.dialog) out.push(a.dialog);
  if (a.retransmission && a.retransmissionInterval !== null)
    out.push(`+${a.retransmissionInterval.toFixed(3)}s`);
  if (a.diagnostics.length > 0) out.push(`! ${a.diagnostics.join(',')}`);
  return out.join(' ');
}

/** Plain text, one line per message, lanes as columns. */
export function ladderText(m: LadderModel): string {
  const W = Math.max(24, ...m.lanes.map((l) => Math.max(l.label.length, l.caption?.length ?? 0) + 2));
  const lines: string[] = [];
  lines.push(`${multi(m) ? 'Calls' : 'Call'} ${m.call} (${m.callIds.join(', ')})`);
  // What each lane is (caller, proxy, callee…) above its address, when the messages tell.
  if (m.lanes.some((l) => l.caption))
    lines.push(`${' '.repeat(11)}${m.lanes.map((l) => (l.caption ?? '').padEnd(W)).join('')}`.trimEnd());
  lines.push(`${' '.repeat(11)}${m.lanes.map((l) => l.label.padEnd(W)).join('')}`.trimEnd());
  const n = m.lanes.length;
  for (const a of m.arrows) {
    const width = (n - 1) * W + 1;
    const row = new Array<string>(width).fill(' ');
    for (let i = 0; i < n; i++) row[i * W] = '|';
    const label = arrowLabel(a);
    if (a.from === a.to) {
      const x = a.from * W;
      const s = `<-- ${label}`;
      for (let k = 0; k < s.length && x + 1 + k < width + s.length; k++) row[x + 1 + k] = s[k]!;
    } else {
      const lo = Math.min(a.from, a.to) * W;
      const hi = Math.max(a.from, a.to) * W;
      for (let x = lo + 1; x < hi; x++) row[x] = '-';
      if (a.to > a.from) row[hi - 1] = '>';
      else row[lo + 1] = '<';
      const text = ` ${label} `.slice(0, Math.max(0, hi - lo - 3));
      const start = lo + 1 + Math.max(1, Math.floor((hi - lo - 1 - text.length) / 2));
      for (let k = 0; k < text.length; k++) row[start + k] = text[k]!;
    }
    lines.push(
      `${a.relative.toFixed(6).padStart(10)} ${row.join('').trimEnd()}  ${tags(a, multi(m))}`.trimEnd(),
    );
  }
  return `${lines.join('\n')}\n`;
}

function mermaidText(s: string): string {
  return s
    .replace(/#/g, '#35;')
    .replace(/;/g, '#59;')
    .replace(/[\r\n]/g, ' ');
}

/** Mermaid sequence diagram. */
export function ladderMermaid(m: LadderModel): string {
  const out = ['sequenceDiagram'];
  m.lanes.forEach((l, i) =>
    out.push(
      `  participant L${i} as ${l.caption ? `${mermaidText(l.caption)}<br/>` : ''}${mermaidText(l.label)}`,
    ),
  );
  for (const a of m.arrows) {
    const arrow = a.kind === 'response' ? '-->>' : '->>';
    out.push(`  L${a.from}${arrow}L${a.to}: ${mermaidText(arrowLabel(a, multi(m)))}`);
  }
  return `${out.join('\n')}\n`;
}

function plantText(s: string): string {
  return s.replace(/"/g, "'").replace(/[\r\n]/g, ' ');
}

/** PlantUML sequence diagram. */
export function ladderPlantUml(m: LadderModel): string {
  const out = ['@startuml', `title ${multi(m) ? 'Calls' : 'Call'} ${plantText(m.call)}`];
  m.lanes.forEach((l, i) =>
    out.push(`participant "${l.caption ? `${plantText(l.caption)}\\n` : ''}${plantText(l.label)}" as L${i}`),
  );
  for (const a of m.arrows) {
    const arrow = a.retransmission
      ? a.kind === 'response'
        ? '-[#red]->'
        : '-[#red]>'
      : a.kind === 'response'
        ? '-->'
        : '->';
    out.push(`L${a.from} ${arrow} L${a.to} : ${plantText(arrowLabel(a, multi(m)))}`);
  }
  out.push('@enduml');
  return `${out.join('\n')}\n`;
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Standalone SVG (opens in a browser; one `<g class="arrow">` per message, with data-frame). */
export function ladderSvg(m: LadderModel): string {
  const laneW = 220;
  const left = 110;
  const several = multi(m);
  const legendH = several ? 24 : 0;
  const top = 70 + legendH;
  const rowH = 30;
  const width = left + Math.max(1, m.lanes.length) * laneW;
  const height = top + (m.arrows.length + 1) * rowH + 20;
  const x = (i: number): number => left + laneW / 2 + i * laneW;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${several ? 'Calls' : 'Call'} ${xml(m.call)}</title>`,
    '<defs><marker id="arrowhead" markerWidth="10" markerHeight="7" refX="10" refY="3.5" orient="auto"><polygon points="0 0, 10 3.5, 0 7" fill="context-stroke"/></marker></defs>',
    `<rect width="${width}" height="${height}" fill="white"/>`,
  );
  const callIndex = new Map(m.calls.map((c, i) => [c, i]));
  if (several) {
    // legend: one swatch per call, in the order asked
    parts.push('<g class="legend">');
    let lx = 6;
    for (const [i, c] of m.calls.entries()) {
      const k = i % CALL_COLOURS.length;
      parts.push(
        `<rect x="${lx}" y="8" width="14" height="14" rx="2" fill="${CALL_COLOURS[k]}" stroke="${CALL_INKS[k]}"/>`,
        `<text x="${lx + 18}" y="19" fill="${CALL_INKS[k]}">${xml(c)}</text>`,
      );
      lx += 30 + c.length * 8;
    }
    parts.push('</g>');
  }
  if (several) {
    // each message's row on its call's colour, under the lanes and arrows
    parts.push('<g class="bands">');
    m.arrows.forEach((a, k) => {
      const band = (callIndex.get(a.call) ?? 0) % CALL_COLOURS.length;
      parts.push(
        `<rect x="0" y="${top + k * rowH - 1}" width="${width}" height="${rowH}" fill="${CALL_COLOURS[band]}" data-call="${xml(a.call)}"/>`,
      );
    });
    parts.push('</g>');
  }
  m.lanes.forEach((l, i) => {
    const ly = 10 + legendH;
    // With a role: the role in bold, the address under it (the box grows into the gap above the rows).
    // Both cut to the 190 px box (an IPv6 address keeps its end, a long user its start); the whole
    // address stays in the lane's data-lane.
    const h = l.caption ? 40 : 28;
    parts.push(
      `<g class="lane" data-lane="${xml(l.id)}"${l.role ? ` data-role="${l.role.role}"` : ''}><rect x="${x(i) - 95}" y="${ly}" width="190" height="${h}" rx="4" fill="#eef" stroke="#446"/>`,
      ...(l.caption
        ? [
            `<text x="${x(i)}" y="${ly + 16}" text-anchor="middle" font-weight="bold" class="role">${xml(fitLabel(l.caption, 180, 7.4))}</text>`,
            `<text x="${x(i)}" y="${ly + 32}" text-anchor="middle" font-size="11" class="address">${xml(fitText(l.label, 180, 6.4))}</text>`,
          ]
        : [
            `<text x="${x(i)}" y="${ly + 19}" text-anchor="middle" font-weight="bold" class="address">${xml(fitText(l.label, 180, 7.4))}</text>`,
          ]),
      `<line x1="${x(i)}" y1="${ly + h}" x2="${x(i)}" y2="${height - 10}" stroke="#99a" stroke-dasharray="4 4"/></g>`,
    );
  });
  m.arrows.forEach((a, k) => {
    const y = top + k * rowH + 14;
    const color = a.retransmission ? '#c00' : a.kind === 'response' ? '#060' : '#03a';
    const dash = a.kind === 'response' || a.retransmission ? ' stroke-dasharray="6 3"' : '';
    const label = arrowLabel(a);
    parts.push(
      `<g class="arrow" data-id="${a.id}" data-frame="${a.frame}" data-call="${xml(a.call)}"${a.transaction ? ` data-transaction="${a.transaction}"` : ''}>`,
    );
    parts.push(`<text x="6" y="${y + 4}" fill="#555">${a.relative.toFixed(3)}</text>`);
    if (a.from === a.to) {
      const x0 = x(a.from);
      parts.push(
        `<path d="M ${x0} ${y - 6} h 40 v 12 h -40" fill="none" stroke="${color}"${dash} marker-end="url(#arrowhead)"/>`,
      );
      parts.push(`<text x="${x0 + 46}" y="${y + 4}" fill="${color}">${xml(label)}</text>`);
    } else {
      const x1 = x(a.from);
      const x2 = x(a.to);
      parts.push(
        `<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" stroke="${color}" stroke-width="1.5"${dash} marker-end="url(#arrowhead)"/>`,
      );
      parts.push(
        `<text x="${(x1 + x2) / 2}" y="${y - 4}" text-anchor="middle" fill="${color}">${xml(label)}</text>`,
      );
    }
    parts.push('</g>');
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

export function renderLadder(m: LadderModel, format: LadderFormat): string {
  switch (format) {
    case 'text':
      return ladderText(m);
    case 'mermaid':
      return ladderMermaid(m);
    case 'plantuml':
      return ladderPlantUml(m);
    case 'svg':
      return ladderSvg(m);
  }
}
