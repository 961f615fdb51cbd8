/**
 * The calls list as CSV (RFC 4180: CRLF line ends, fields with comma, quote or line break quoted).
 */
import type { CallSummary } from '../analyzer';
import { isoMicros } from '../../trace/time-notices';

export const CALL_CSV_COLUMNS = [
  'id',
  'call_ids',
  'type',
  'state',
  'from',
  'to',
  'final_code',
  'start',
  'end',
  'pdd',
  'setup_time',
  'duration',
  'codecs',
  'media',
  'messages',
  'diagnostics',
  'links',
] as const;

function cell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const isoTime = (s: number): string => isoMicros(Math.round(s * 1e6));

/** CSV text of calls, one row per call, header first. */
export function callsCsv(calls: readonly CallSummary[]): string {
  const rows = [CALL_CSV_COLUMNS.join(',')];
  for (const c of calls) {
    rows.push(
      [
        c.id,
        c.callIds.join(' '),
        c.type,
        c.state,
        c.from,
        c.to,
        c.finalStatus,
        isoTime(c.start),
        isoTime(c.end),
        c.pdd,
        c.setupTime,
        c.duration,
        [...new Set([...c.codecs.offer, ...c.codecs.answer])].join(' '),
        c.media.join(' '),
        c.messages,
        c.diagnostics,
        c.links.map((l) => `${l.reason}:${l.confidence}`).join(' '),
      ]
        .map(cell)
        .join(','),
    );
  }
  return `${rows.join('\r\n')}\r\n`;
}
