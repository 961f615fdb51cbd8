/** Property tests: generated scripts either fail to load with located errors or run to a bounded outcome. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadScript, newScriptState } from '../../../src/sip-core/script';
import { ENGINES, make } from './engines';
import { RecordingTestHost, request } from './recording-test-host';

const STATEMENTS = [
  'xlog("L_INFO", "$rm $ru $si:$sp $var(x)\\n");',
  '$var(x) = $var(x) + 1;',
  '$var(s) = "a" + $rU + $var(x);',
  'if ($rU =~ "^[0-9]+$") { $var(x) = 0; }',
  'if (!is_method("INVITE|BYE")) { sl_send_reply("405", "Method Not Allowed"); }',
  'if (has_totag() && loose_route()) { t_relay(); }',
  'record_route();',
  'if (lookup("location")) { t_relay(); } else { sl_send_reply("404", "Not Found"); }',
  'route(SUB);',
  'if (route(SUB)) { $var(r) = $rc; }',
  'setflag(3); if (isflagset(3)) resetflag(3);',
  'while ($var(x) < 3) { $var(x) = $var(x) + 1; }',
  'switch ($var(x)) { case 1: $var(y) = 1; break; default: $var(y) = 2; }',
  'append_hf("X-Test: $ci\\r\\n");',
  'remove_hf("User-Agent");',
  '$ru = "sip:" + $rU + "@example.net";',
  'if ($du == $null) { $du = "sip:127.0.0.9"; }',
  'mf_process_maxfwd_header("10");',
  't_on_failure("F");',
  'if (uri == myself) { exit; }',
  'drop;',
  'return(-1);',
  'route(LOOP);',
];

describe.each(ENGINES)('%s engine', (engine) => {
  describe('generated scripts', () => {
    it('run to a bounded outcome and never throw', () => {
      fc.assert(
        fc.property(
          fc.array(fc.constantFrom(...STATEMENTS), { maxLength: 25 }),
          fc.array(fc.constantFrom(...STATEMENTS), { maxLength: 8 }),
          (main, sub) => {
            const src = `request_route {\n${main.join('\n')}\n}\nroute[SUB] {\n${sub.filter((s) => !s.includes('route(SUB)')).join('\n')}\n}\nroute[LOOP] { route(LOOP); }\nfailure_route[F] { t_relay(); }\n`;
            const r = loadScript(src);
            expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
            const host = new RecordingTestHost();
            host.location.set('bob@example.com', ['sip:bob@192.0.2.20']);
            const run = make(engine, r.script!, host).runRequest(request('INVITE', 'sip:bob@example.com'), {
              state: newScriptState(),
              maxSteps: 2000,
              maxDepth: 16,
            });
            expect(['end', 'exit', 'drop', 'step-limit', 'depth-limit']).toContain(run.outcome);
            expect(run.steps).toBeLessThanOrEqual(2001);
            for (const rec of run.records) expect(rec.line).toBeGreaterThan(0);
          },
        ),
        { numRuns: 400 },
      );
    });

    it('random token soup never makes the loader throw and every error has a position inside the source', () => {
      const tokens = [
        'if',
        '(',
        ')',
        '{',
        '}',
        ';',
        '$rU',
        '"x"',
        '==',
        '=~',
        '!',
        '&&',
        'route',
        '[',
        ']',
        'R',
        't_relay',
        'else',
        '#!ifdef',
        '\n',
        '1',
        '-',
        'switch',
        'case',
        ':',
        '$var(',
        'request_route',
        '/*',
        '*/',
        "'",
      ];
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 60 }), (parts) => {
          const src = parts.join(' ');
          const r = loadScript(src);
          const lines = src.split('\n').length;
          for (const d of r.diagnostics) {
            expect(d.line).toBeGreaterThanOrEqual(1);
            expect(d.line).toBeLessThanOrEqual(lines);
          }
        }),
        { numRuns: 1000 },
      );
    });
  });
});
