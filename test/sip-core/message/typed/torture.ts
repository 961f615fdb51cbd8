/**
 * Test helper: reads an RFC 4475 / RFC 5118 torture message and returns its unfolded header
 * fields, independent of the structural parser (so the typed decoders are tested on their own).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** `<repo>/../shared/conformance` */
export const CONFORMANCE = path.resolve(here, '../../../..', '../shared/conformance');
export const haveConformance = existsSync(path.join(CONFORMANCE, 'rfc4475', 'INDEX.md'));

export interface Field {
  name: string;
  value: string;
}

/** Header fields (name as written, value unfolded: CRLF+WSP kept as the WSP) and the body bytes. */
export function readTorture(rel: string): { startLine: string; fields: Field[]; body: Uint8Array } {
  const bytes = readFileSync(path.join(CONFORMANCE, rel));
  const text = bytes
    .toString('latin1')
    .replace(/\r?\n/g, '\r\n')
    .replace(/\r\r\n/g, '\r\n');
  const endHdr = text.indexOf('\r\n\r\n');
  const head = endHdr >= 0 ? text.slice(0, endHdr) : text;
  const all = head.split('\r\n');
  const lines = all.slice(1);
  const fields: Field[] = [];
  for (const line of lines) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && fields.length) {
      fields[fields.length - 1]!.value += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    fields.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return {
    startLine: all[0] ?? '',
    fields,
    body: new Uint8Array(endHdr >= 0 ? bytes.subarray(endHdr + 4) : new Uint8Array(0)),
  };
}

export function field(fields: Field[], ...names: string[]): string[] {
  const l = names.map((n) => n.toLowerCase());
  return fields.filter((f) => l.includes(f.name.toLowerCase())).map((f) => f.value);
}
