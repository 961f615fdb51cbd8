/**
 * RFC 3261 §17.2.1: the ACK to a non-2xx final response belongs to the INVITE server transaction. The
 * simulated proxy's transaction layer takes it before the script; Kamailio's tm sees it only through
 * t_check_trans() or t_relay() (Kamailio 5.6.3: a script that exits on the ACK gets its 480 sent
 * again). A block `if (is_method("ACK")) { ... exit; }` with no tm call is noted (info), so a script
 * written here runs the same on Kamailio.
 */
import { describe, expect, it } from 'vitest';
import { loadScript } from '../../../src/sip-core/script';

const notes = (inDialog: string): { line: number; col: number; severity: string }[] =>
  loadScript(
    `request_route {\n  if (has_totag()) {\n    if (loose_route()) { t_relay(); exit; }\n    ${inDialog}\n    exit;\n  }\n  t_relay();\n}\n`,
  )
    .diagnostics.filter((d) => d.code === 'script-ack-not-to-tm')
    .map((d) => ({ line: d.line, col: d.col, severity: d.severity }));

describe('script: an ACK that exits without reaching tm is noted (Kamailio would resend the final response)', () => {
  it('if (is_method("ACK")) { exit; }: one info at the if', () => {
    expect(notes('if (is_method("ACK")) { exit; }')).toEqual([{ line: 4, col: 5, severity: 'info' }]);
    expect(notes('if (is_method("ack")) { xlog("ack\\n"); drop; }')).toHaveLength(1);
  });

  it('no note when the ACK reaches t_check_trans() or t_relay(), or the test is not for ACK alone', () => {
    expect(notes('if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }')).toEqual([]);
    expect(notes('if (is_method("ACK")) { t_relay(); exit; }')).toEqual([]);
    expect(notes('if (is_method("INVITE|ACK")) { exit; }')).toEqual([]);
    expect(notes('if (is_method("ACK")) { xlog("ack\\n"); }')).toEqual([]);
  });
});
