/** Property tests: generated scripts either fail to load with located errors or run to a bounded outcome. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadScript, newScriptState } from '../../../src/sip-core/script';
import { ENGINES, GENERATED_STATEMENTS, make } from './engines';
import { RecordingTestHost, request } from './recording-test-host';

describe.each(ENGINES)('%s engine', (engine) => {
  describe('generated scripts', () => {
    it('run to a bounded outcome and never throw', () => {
      fc.assert(
        fc.property(
          fc.array(fc.constantFrom(...GENERATED_STATEMENTS), { maxLength: 25 }),
          fc.array(fc.constantFrom(...GENERATED_STATEMENTS), { maxLength: 8 }),
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
