/**
 * The built-in scenarios' and labs' routing scripts run unchanged on Kamailio. RFC 3261 §17.2.1: the
 * ACK to a non-2xx final response belongs to the INVITE server transaction, which stops
 * retransmitting the response when it arrives. sipscope's transaction layer takes that ACK before the
 * script runs; Kamailio's tm sees it only when the script calls t_check_trans() or t_relay() on it
 * (Kamailio 5.6.3 with RFC 3665 §3.10's script, whose in-dialog branch exited on every ACK: the 480
 * sent again at 0.5, 1 and 2 s; with t_check_trans() on the ACK, once). So a script's in-dialog
 * branch (has_totag) hands an ACK to tm before it exits.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_SCRIPTS } from '../../../src/sip-core/sim/scripts';

const root = join(import.meta.dirname, '../../../resources');
const files = ['scenarios', 'labs'].flatMap((d) =>
  readdirSync(join(root, d))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => [`${d}/${f}`, readFileSync(join(root, d, f), 'utf8')] as const),
);

/** The text of every `if (has_totag()) { ... }` block (braces balanced). */
function inDialogBlocks(text: string): string[] {
  const out: string[] = [];
  for (let at = text.indexOf('has_totag()'); at >= 0; at = text.indexOf('has_totag()', at + 1)) {
    const open = text.indexOf('{', at);
    let depth = 0;
    for (let i = open; i < text.length; i++) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}' && --depth === 0) {
        out.push(text.slice(open, i + 1));
        break;
      }
    }
  }
  return out;
}

describe('built-in scripts hand an in-dialog ACK to tm before exiting (as Kamailio needs)', () => {
  const all = [
    ...files,
    ...Object.entries(BUILTIN_SCRIPTS)
      .filter(([name]) => name !== 'stateless-proxy')
      .map(([name, text]) => [`builtin ${name}`, text] as const),
  ];
  it.each(all.filter(([, text]) => text.includes('has_totag()')))('%s', (_name, text) => {
    for (const block of inDialogBlocks(text)) {
      // an ACK that is not loose-routed reaches t_check_trans() before the block exits
      expect(block).toMatch(/is_method\("ACK"\)\)\s*\{\s*if \(t_check_trans\(\)\)/);
    }
  });
});
