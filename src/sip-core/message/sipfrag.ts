/**
 * message/sipfrag bodies (NOTIFY for REFER, RFC 3515 §2.4.5) — RFC 3420 §2:
 * `sipfrag = [ start-line ] *message-header [ CRLF [ message-body ] ]`.
 * @remarks Delegates to the structural parser; diagnostics that only make sense for a complete
 * message (unterminated header section, missing Content-Length) are dropped.
 */
import type { Span } from '../diagnostic';
import { parseMessage } from './parse';
import type { SipMessage } from './sip-message';

export interface SipFrag {
  /** The parsed fragment. For a fragment without a start line, `message.raw` is a copy with a
   * synthetic request line `SIPFRAG sipfrag:none SIP/2.0` prepended and `startLine` is false. */
  message: SipMessage;
  startLine: boolean;
  /** The status of a response fragment (`SIP/2.0 200 OK` → 200), the usual REFER progress report. */
  status: number | null;
}

const FRAGMENT_ONLY = new Set(['header-section-unterminated', 'content-length-missing']);
const SYNTHETIC = 'SIPFRAG sipfrag:none SIP/2.0\r\n';

function looksLikeHeader(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c === 58) return i > start;
    if (c === 32 || c === 9 || c === 13 || c === 10) {
      // "Name : value" (LWS before the colon) is still a header; "METHOD uri" is not.
      let j = i;
      while (j < end && (b[j] === 32 || b[j] === 9)) j++;
      return j < end && b[j] === 58;
    }
  }
  return false;
}

/** Parses a message/sipfrag body `bytes[span]`. Never throws. */
export function parseSipfrag(bytes: Uint8Array, span?: Span): SipFrag {
  const start = span?.start ?? 0;
  const end = span?.end ?? bytes.length;
  let message: SipMessage;
  let startLine = true;
  if (looksLikeHeader(bytes, start, end)) {
    startLine = false;
    const buf = new Uint8Array(SYNTHETIC.length + (end - start));
    for (let i = 0; i < SYNTHETIC.length; i++) buf[i] = SYNTHETIC.charCodeAt(i);
    buf.set(bytes.subarray(start, end), SYNTHETIC.length);
    message = parseMessage(buf);
  } else {
    message = parseMessage(bytes, start, end);
  }
  for (let i = message.diagnostics.length - 1; i >= 0; i--) {
    if (FRAGMENT_ONLY.has(message.diagnostics[i]!.code)) message.diagnostics.splice(i, 1);
  }
  return { message, startLine, status: message.kind === 'response' ? message.status : null };
}
