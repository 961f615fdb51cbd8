/**
 * The diagnostic catalogue, one row per code: a small message that must raise it, with the catalogue's
 * severity and RFC section, and a span inside the message.
 */
import { describe, expect, it } from 'vitest';
import {
  MESSAGE_DIAGNOSTICS,
  diagnosticCatalogue,
  lintMessage,
  parseMessage,
} from '../../../src/sip-core/message/index';

const OK_HEADERS =
  'Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\nTo: <sip:b@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\n' +
  'Call-ID: c1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n';
const req = (extra: string, body = '', start = 'OPTIONS sip:b@example.com SIP/2.0'): string =>
  `${start}\r\n${OK_HEADERS}${extra}Content-Length: ${new TextEncoder().encode(body).length}\r\n\r\n${body}`;
const swap = (from: string, to: string): string => req('').replace(from, to);

/** code → a message that raises it. */
const ROWS: Record<string, string> = {
  'message-empty': '',
  'leading-crlf': `\r\n${req('')}`,
  'leading-junk': `junk line\r\n${req('')}`,
  'line-ending-lf': req('').replace(/\r\n/g, '\n'),
  'start-line-invalid': req('', '', 'HELLO'),
  'start-line-extra-whitespace': req('', '', 'OPTIONS  sip:b@example.com SIP/2.0'),
  'start-line-trailing-whitespace': req('', '', 'OPTIONS sip:b@example.com SIP/2.0  '),
  'method-invalid': swap('OPTIONS sip', 'OPT(IONS sip'),
  'request-uri-whitespace': req('', '', 'OPTIONS sip:b@example.com; lr SIP/2.0'),
  'request-uri-angle-brackets': req('', '', 'OPTIONS <sip:b@example.com> SIP/2.0'),
  'request-uri-headers': req('', '', 'OPTIONS sip:b@example.com?Subject=x SIP/2.0'),
  'sip-version-unsupported': req('', '', 'OPTIONS sip:b@example.com SIP/3.0'),
  'status-code-invalid': 'SIP/2.0 99 Odd\r\n\r\n',
  'status-line-reason-missing': 'SIP/2.0 200\r\n\r\n',
  'header-section-unterminated': 'OPTIONS sip:b@example.com SIP/2.0\r\nCall-ID: x\r\n',
  'header-missing-colon': req('No colon here\r\n'),
  'header-name-invalid': req('Bad(Name): x\r\n'),
  'header-continuation-invalid': `OPTIONS sip:b@example.com SIP/2.0\r\n  folded\r\n${OK_HEADERS}\r\n`,
  'list-element-empty': req('Route: <sip:p1;lr>,,<sip:p2;lr>\r\n'),
  'param-empty': swap(';tag=1', ';;tag=1'),
  'quoted-string-unterminated': swap('To: <sip:b@example.com>', 'To: "Bob <sip:b@example.com>'),
  'name-addr-unterminated': swap('To: <sip:b@example.com>', 'To: <sip:b@example.com'),
  'via-invalid': swap('SIP/2.0/UDP h.example.com', 'h.example.com'),
  'content-length-invalid': req('').replace('Content-Length: 0', 'Content-Length: -1'),
  'content-length-exceeds-body': req('').replace('Content-Length: 0', 'Content-Length: 10'),
  'content-length-trailing-octets': `${req('')}extra`,
  'content-length-conflict': req('Content-Length: 5\r\n'),
  'content-length-missing': req('Content-Type: text/plain\r\n').replace('Content-Length: 0\r\n', '') + 'body',
  'cseq-invalid': swap('CSeq: 1 OPTIONS', 'CSeq: OPTIONS'),
  'cseq-out-of-range': swap('CSeq: 1 OPTIONS', 'CSeq: 2147483648 OPTIONS'),
  'max-forwards-invalid': swap('Max-Forwards: 70', 'Max-Forwards: seventy'),
  'max-forwards-out-of-range': swap('Max-Forwards: 70', 'Max-Forwards: 256'),
  'max-forwards-missing': swap('Max-Forwards: 70\r\n', ''),
  'header-missing': swap('Call-ID: c1\r\n', ''),
  'header-duplicate': req('Call-ID: c2\r\n'),
  'cseq-method-mismatch': swap('CSeq: 1 OPTIONS', 'CSeq: 1 INVITE'),
  'via-branch-missing': swap(';branch=z9hG4bK1', ''),
  'via-branch-missing-cookie': swap('branch=z9hG4bK1', 'branch=abc'),
  'via-branch-cookie-only': swap('branch=z9hG4bK1', 'branch=z9hG4bK'),
  'from-tag-missing': swap(';tag=1', ''),
  'content-type-missing': req('', 'body'),
  'uri-reserved-unescaped': req('', '', 'OPTIONS sip:b{x}@example.com SIP/2.0'),
  'uri-ipv6-port-ambiguous': req('', '', 'OPTIONS sip:[2001:db8::10:5070] SIP/2.0'),
  'uri-scheme-unknown': req('', '', 'OPTIONS foo:bar SIP/2.0'),
  'addr-spec-whitespace': swap('To: <sip:b@example.com>', 'To: < sip:b@example.com >'),
  'addr-spec-needs-angle-brackets': req('Contact: sip:a@example.com?Route=x\r\n'),
  'display-name-invalid': swap('To: <sip:b@example.com>', 'To: Bob, Jr. <sip:b@example.com>'),
  'date-invalid': req('Date: Sat, 13 Nov 2010 23:29:00 EST\r\n'),
  'expires-out-of-range': req('Expires: 99999999999\r\n'),
  'retry-after-out-of-range': req('Retry-After: 99999999999\r\n'),
  'warning-code-invalid': req('Warning: 1812 host "text"\r\n'),
  'uri-ipv6-without-brackets': req('', '', 'OPTIONS sip:2001:db8::10 SIP/2.0'),
  'ipv6-three-colons': req('', '', 'OPTIONS sip:[2001:db8:::192.0.2.1] SIP/2.0'),
};

describe('diagnostic catalogue', () => {
  it('every entry has a severity, an RFC section and a description', () => {
    for (const r of diagnosticCatalogue()) {
      expect(r.code).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(['error', 'warning', 'info']).toContain(r.severity);
      expect(r.rfc).toMatch(/^\d{4} §[\d.]+$/);
      expect(r.description.length).toBeGreaterThan(10);
    }
  });
  it('every code of the structural pass and of the own lint checks has a row below', () => {
    const own = diagnosticCatalogue().filter(
      (r) => r.stage === 'parse' || (r.stage === 'lint' && !/^(uri-|tel-|ipv6-|param-)/.test(r.code)),
    );
    for (const r of own) expect(Object.keys(ROWS), r.code).toContain(r.code);
  });
  for (const [code, text] of Object.entries(ROWS)) {
    it(`${code} is raised, with the catalogue's severity and a span inside the message`, () => {
      const m = parseMessage(new TextEncoder().encode(text));
      const d = lintMessage(m).find((x) => x.code === code);
      expect(d, `${code} in ${JSON.stringify(lintMessage(m).map((x) => x.code))}`).toBeDefined();
      expect(d!.severity).toBe(MESSAGE_DIAGNOSTICS[code]!.severity);
      expect(d!.rfc).toBe(MESSAGE_DIAGNOSTICS[code]!.rfc);
      expect(d!.span).toBeDefined();
      expect(d!.span!.start).toBeGreaterThanOrEqual(m.start);
      expect(d!.span!.end).toBeLessThanOrEqual(m.end);
    });
  }
  it('a clean request raises nothing', () => {
    expect(lintMessage(parseMessage(new TextEncoder().encode(req(''))))).toEqual([]);
  });
});
