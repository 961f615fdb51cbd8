/**
 * The full typed parse gives the same values as when the snapshot was taken (session 9, before the
 * typed parse's allocation work): for every RFC 4475 / RFC 5118 fixture message, the §24.2 example
 * INVITE and the bench's 200 OK with Record-Route, a deep snapshot of every typed header value
 * (`typedFields` of every header name, the `viaValues` … `contentTypeValue` accessors, the
 * Request-URI) and of `decodeAllHeaders`' diagnostics is compared with `typed-snapshot.json`.
 * Regenerate only on purpose: `TYPED_SNAPSHOT_WRITE=1 npx vitest run test/sip-core/message/typed/typed-snapshot.test.ts`,
 * then `npx prettier --write` the JSON (the lint runs `prettier --check .`).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  contactValues,
  contentTypeValue,
  cseqValue,
  decodeAllHeaders,
  fromValue,
  parseMessage,
  recordRouteValues,
  requestUriValue,
  routeValues,
  toValue,
  typedFields,
  viaValues,
} from '../../../../src/sip-core/message/index';
import { INVITE_24_2, OK_200_RR } from '../../../fixtures/sip-examples';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, '../../../fixtures');
const snapshotFile = path.join(here, 'typed-snapshot.json');

/** Every message: name → bytes (as a Node Buffer, as capture and the transports hand them over). */
function messages(): [string, Buffer][] {
  const out: [string, Buffer][] = [
    ['invite-24.2', Buffer.from(INVITE_24_2)],
    ['200-ok-rr', Buffer.from(OK_200_RR)],
  ];
  for (const dir of ['rfc4475', 'rfc5118', 'rfc5118/crlf']) {
    const d = path.join(fixtures, dir);
    for (const f of readdirSync(d).sort()) {
      if (f.endsWith('.dat')) out.push([`${dir}/${f}`, readFileSync(path.join(d, f))]);
    }
  }
  return out;
}

/**
 * A deep, JSON-able copy that keeps what toEqual would compare (undefined kept as a marker). A class
 * value of the typed layer (session 10: `ViaValue`, `NameAddrValue`, `SipUriValue`, whose `span` and
 * `params` are getters over stored offsets) is read through its `toJSON`, which returns every public
 * field by reading it: the plain object the decoders built before, so the snapshot file is unchanged.
 */
function plain(v: unknown): unknown {
  if (v === undefined) return '<undefined>';
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(plain);
  const j = (v as { toJSON?: () => unknown }).toJSON;
  const src =
    typeof j === 'function' ? (j.call(v) as Record<string, unknown>) : (v as Record<string, unknown>);
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(src)) o[k] = plain(src[k]);
  return o;
}

function snapshotOf(bytes: Buffer): unknown {
  const m = parseMessage(bytes);
  const diagnostics = decodeAllHeaders(m);
  const names = [...new Set(m.headers.map((h) => h.canonical))];
  const fields: Record<string, unknown> = {};
  for (const n of names) fields[n] = typedFields(m, n);
  return plain({
    diagnostics,
    fields,
    via: viaValues(m),
    from: fromValue(m),
    to: toValue(m),
    contacts: contactValues(m),
    route: routeValues(m),
    recordRoute: recordRouteValues(m),
    cseq: cseqValue(m),
    contentType: contentTypeValue(m),
    requestUri: requestUriValue(m),
  });
}

describe('typed values are those of the snapshot', () => {
  const all = messages();
  const current: Record<string, unknown> = {};
  for (const [name, bytes] of all) current[name] = snapshotOf(bytes);
  if (process.env.TYPED_SNAPSHOT_WRITE)
    writeFileSync(
      snapshotFile,
      '{\n' +
        Object.entries(current)
          .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
          .join(',\n') +
        '\n}\n',
    );
  const expected = JSON.parse(readFileSync(snapshotFile, 'utf8')) as Record<string, unknown>;

  it('covers every fixture message', () => {
    expect(all.length).toBeGreaterThan(60);
    expect(Object.keys(current).sort()).toEqual(Object.keys(expected).sort());
  });
  it.each(all.map(([n]) => n))('%s', (name) => {
    expect(current[name]).toEqual(expected[name]);
  });
  it('the accessors read without decodeAllHeaders give the same values (per-name decode vs kept values)', () => {
    for (const [name, bytes] of all) {
      const m = parseMessage(bytes);
      const read = plain({
        via: viaValues(m),
        from: fromValue(m),
        to: toValue(m),
        contacts: contactValues(m),
        route: routeValues(m),
        recordRoute: recordRouteValues(m),
        cseq: cseqValue(m),
        contentType: contentTypeValue(m),
      }) as Record<string, unknown>;
      const want = expected[name] as Record<string, unknown>;
      for (const k of Object.keys(read)) expect(read[k], `${name} ${k}`).toEqual(want[k]);
    }
  });
  it('the typed values come out the same on a second parse of the same bytes (caches hold nothing stale)', () => {
    for (const [name, bytes] of all.slice(0, 10)) expect(snapshotOf(bytes), name).toEqual(current[name]);
  });
});
