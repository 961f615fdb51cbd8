/**
 * The full typed parse reads a message's header section as latin1 (one character per octet, no UTF-8
 * decode) unless its UTF-8 decode was made already (sip-message.ts `octetHead`); the octet fast paths
 * slice only octets they checked to be ASCII and hand every other value to the general decoders
 * decoded as UTF-8 (text.ts `valueText`), and `decodeAllHeaders` slices a value for a decoder without
 * a fast path only when its octets are ASCII. So the values and diagnostics must be the same whichever
 * string the decoders were given. Checked here on messages with non-ASCII octets (UTF-8 and invalid
 * UTF-8) put into every header value at every offset, three ways: the latin1 reading (a fresh
 * message), the UTF-8 decode (a key string read first, which decodes the header section), and a plain
 * `Uint8Array` (no `latin1Slice`: the UTF-8 decode through TextDecoder).
 */
import { describe, expect, it } from 'vitest';
import {
  contactValues,
  contentTypeValue,
  cseqValue,
  decodeAllHeaders,
  fromValue,
  parseMessage,
  recordRouteValues,
  routeValues,
  toValue,
  typedFields,
  viaValues,
} from '../../../../src/sip-core/message/index';
import type { SipMessage } from '../../../../src/sip-core/message/sip-message';
import { INVITE_24_2, OK_200_RR } from '../../../fixtures/sip-examples';
import { shapeOf } from './shape';

function typedOf(m: SipMessage): unknown {
  const diagnostics = decodeAllHeaders(m);
  const fields: Record<string, unknown> = {};
  for (const n of new Set(m.headers.map((h) => h.canonical))) fields[n] = typedFields(m, n);
  return shapeOf({
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
  });
}

/** The three readings of the same bytes: latin1 first, UTF-8 decode first, plain Uint8Array. */
function threeWays(bytes: Buffer): [unknown, unknown, unknown] {
  const latin = typedOf(parseMessage(bytes));
  const m = parseMessage(bytes);
  void m.callId; // decodes the header section as UTF-8 before the typed parse
  const utf8 = typedOf(m);
  const plainBytes = new Uint8Array(bytes.length);
  plainBytes.set(bytes);
  const plain = typedOf(parseMessage(plainBytes));
  return [latin, utf8, plain];
}

const EXTRA =
  'Allow: INVITE, ACK, CANCEL, BYE\r\n' +
  'Subject: lunch\r\n' +
  'Route: <sip:p1.example.com;lr>\r\n' +
  'Supported: timer\r\n' +
  'Max-Forwards: 70\r\n';

/** The two bench messages, and the 200 OK with headers that have no octet fast path. */
const BASES = [INVITE_24_2, OK_200_RR, OK_200_RR.replace('Content-Type:', EXTRA + 'Content-Type:')];

/** Non-ASCII octet runs: UTF-8 "é", a lone continuation octet, 0xFF, a UTF-8 "€". */
const INSERTS = [[0xc3, 0xa9], [0x80], [0xff], [0xe2, 0x82, 0xac]];

/** Every offset inside the header field values of `text` (after ": ", before CRLF). */
function valueOffsets(text: string): number[] {
  const out: number[] = [];
  const headEnd = text.indexOf('\r\n\r\n');
  let line = text.indexOf('\r\n') + 2;
  while (line < headEnd) {
    const eol = text.indexOf('\r\n', line);
    const colon = text.indexOf(':', line);
    for (let k = colon + 2; k <= eol; k++) out.push(k);
    line = eol + 2;
  }
  return out;
}

describe('the typed parse reads the same values from the latin1 header section', () => {
  it('for the messages as they are', () => {
    for (const text of BASES) {
      const [latin, utf8, plain] = threeWays(Buffer.from(text, 'latin1'));
      expect(latin).toEqual(utf8);
      expect(latin).toEqual(plain);
    }
  });

  it('with non-ASCII octets put into every header value at every offset', () => {
    let n = 0;
    let fastPathValues = 0;
    for (const text of BASES) {
      const bytes = Buffer.from(text, 'latin1');
      for (const at of valueOffsets(text)) {
        const ins = INSERTS[n % INSERTS.length]!;
        n++;
        const b = Buffer.concat([bytes.subarray(0, at), Buffer.from(ins), bytes.subarray(at)]);
        const [latin, utf8, plain] = threeWays(b);
        expect(latin, `${JSON.stringify(text.slice(0, 12))} at ${at}`).toEqual(utf8);
        expect(latin, `${JSON.stringify(text.slice(0, 12))} at ${at}`).toEqual(plain);
        const v = viaValues(parseMessage(b));
        if (v.length > 0) fastPathValues++;
      }
    }
    expect(n).toBeGreaterThan(900);
    expect(fastPathValues).toBeGreaterThan(0);
  });
});
