import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  compileScriptRegex,
  loadScript,
  MAX_REGEX_INPUT,
  testScriptRegex,
} from '../../../src/sip-core/script';

const here = path.dirname(fileURLToPath(import.meta.url));
const registrarProxy = readFileSync(path.join(here, 'fixtures/registrar-proxy.cfg'), 'utf8');

/** [what, source, code, line, col] — the first error must be exactly here. */
const CASES: [string, string, string, number, number][] = [
  [
    'missing semicolon after a call',
    'request_route {\n  t_relay()\n  exit;\n}',
    'script-expected-semicolon',
    3,
    3,
  ],
  [
    'unknown function',
    'request_route {\n  if (t_relay_magic()) { exit; }\n}',
    'script-unknown-function',
    2,
    7,
  ],
  [
    'an Object.prototype name is not a function (toString)',
    'request_route {\n  toString();\n}',
    'script-unknown-function',
    2,
    3,
  ],
  [
    'an Object.prototype name as a bare statement (constructor)',
    'request_route {\n  if (1) constructor;\n}',
    'script-unknown-function',
    2,
    10,
  ],
  [
    'an Object.prototype name as a route block (constructor)',
    'constructor {\n  exit;\n}\nrequest_route { exit; }',
    'script-syntax-error',
    1,
    1,
  ],
  [
    'an Object.prototype name as a value (valueOf)',
    'request_route {\n  if (valueOf == 1) exit;\n}',
    'script-unknown-function',
    2,
    7,
  ],
  ['wrong number of arguments', 'request_route {\n  sl_send_reply("404");\n}', 'script-wrong-arity', 2, 3],
  ['route() to an undefined route', 'request_route {\n  route(NOPE);\n}', 'script-unknown-route', 2, 9],
  [
    't_on_failure to an undefined failure_route',
    'request_route {\n  t_on_failure("FAIL");\n}\nroute[FAIL] { exit; }',
    'script-unknown-route',
    2,
    16,
  ],
  [
    'unknown pseudo-variable',
    'request_route {\n  if ($xyz == 1) exit;\n}',
    'script-unknown-pseudo-variable',
    2,
    7,
  ],
  ['$var without a name', 'request_route {\n  $var = 1;\n}', 'script-bad-pseudo-variable', 2, 3],
  [
    'assigning a read-only pseudo-variable',
    'request_route {\n  $si = "1.2.3.4";\n}',
    'script-read-only-pseudo-variable',
    2,
    3,
  ],
  ['catastrophic regex', 'request_route {\n  if ($ru =~ "^(a+)+$") exit;\n}', 'script-unsafe-regex', 2, 14],
  ['invalid regex', 'request_route {\n  if ($ru =~ "a(b") exit;\n}', 'script-invalid-regex', 2, 14],
  ['else without if', 'request_route {\n  else { exit; }\n}', 'script-syntax-error', 2, 3],
  ['unterminated string', 'request_route {\n  xlog("oops);\n}', 'script-unterminated-string', 2, 8],
  ['unclosed block', 'request_route {\n  if (1) {\n    exit;\n', 'script-syntax-error', 2, 10],
  ['failure_route without a name', 'failure_route {\n  exit;\n}', 'script-syntax-error', 1, 15],
  ['duplicate route', 'route[A] { exit; }\nroute[A] { drop; }', 'script-duplicate-route', 2, 1],
  ['garbage at top level', 'request_route { exit; }\n@@@', 'script-unexpected-character', 2, 1],
  ['unexpected top-level word', 'request_route { exit; }\nfoo bar', 'script-syntax-error', 2, 1],
  [
    'missing condition parenthesis',
    'request_route {\n  if is_method("INVITE") { exit; }\n}',
    'script-syntax-error',
    2,
    6,
  ],
  ['#!else without #!ifdef', '#!else\nrequest_route { exit; }', 'script-preprocessor-else', 1, 1],
  ['#!ifdef never closed', 'request_route { exit; }\n#!ifdef X\n', 'script-preprocessor-unclosed', 2, 1],
  ['unclosed comment', 'request_route { exit; }\n/* never', 'script-unclosed-comment', 2, 1],
  ['operator without right side', 'request_route {\n  if ($rU == ) exit;\n}', 'script-syntax-error', 2, 14],
  [
    'too deep nesting',
    `request_route { ${'if (1) { '.repeat(80)}exit;${' }'.repeat(80)} }`,
    'script-nesting-too-deep',
    1,
    0,
  ],
];

describe('load errors are located (line, column, caret excerpt) and never thrown', () => {
  it.each(CASES)('%s', (_what, src, code, line, col) => {
    const r = loadScript(src);
    expect(r.script).toBeNull();
    const first = r.diagnostics.find((d) => d.severity === 'error')!;
    expect(first.code).toBe(code);
    expect(first.line).toBe(line);
    if (col > 0) expect(first.col).toBe(col);
    const caretLine = first.excerpt.split('\n')[1]!;
    expect(caretLine.indexOf('^') - caretLine.indexOf('|') - 2).toBe(first.col - 1);
    expect(first.excerpt.startsWith(`${first.line} | `)).toBe(true);
  });

  it('reports several errors in one load, recovering after each statement', () => {
    const r = loadScript('request_route {\n  foo();\n  sl_send_reply(1);\n  $bad = 2;\n  t_relay();\n}');
    expect(r.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['script-unknown-function', 2],
      ['script-wrong-arity', 3],
      ['script-unknown-pseudo-variable', 4],
    ]);
  });

  it('the caret excerpt shows the offending source line', () => {
    const r = loadScript('request_route {\n\tif ($rm == "INVITE" && nope()) exit;\n}');
    expect(r.diagnostics[0]!.excerpt).toBe(
      '2 |  if ($rm == "INVITE" && nope()) exit;\n  |                         ^',
    );
  });

  it('never throws on arbitrary input, nor on mutations of a real configuration', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = loadScript(s);
        expect(Array.isArray(r.diagnostics)).toBe(true);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: registrarProxy.length }),
        fc.integer({ min: 0, max: 40 }),
        fc.string({ maxLength: 5 }),
        (at, del, ins) => {
          const src = registrarProxy.slice(0, at) + ins + registrarProxy.slice(at + del);
          const r = loadScript(src);
          expect(r.script === null || r.diagnostics.every((d) => d.severity !== 'error')).toBe(true);
          for (const d of r.diagnostics) expect(d.line).toBeGreaterThanOrEqual(1);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('script regexes are compiled once and guarded against catastrophic backtracking', () => {
  it.each(['(a+)+$', '(a*)*b', '(x|xx)+y', '([a-z]+)*$', '(a{1,})+', '(.*a){5}', '(a)\\1'])(
    'refuses %s',
    (p) => {
      expect(compileScriptRegex(p).ok).toBe(false);
    },
  );

  it.each([
    '^(\\+|00)[1-9][0-9]{3,20}$',
    '486|408',
    '^sip:[^@]+@example\\.com$',
    'friendly|scanner|sipcli',
    '(ab)+c',
    '[[:digit:]]{3}',
  ])('accepts %s', (p) => {
    expect(compileScriptRegex(p).ok).toBe(true);
  });

  it('POSIX classes are translated and matching is case-insensitive (REG_ICASE)', () => {
    const r = compileScriptRegex('^[[:alpha:]]+[[:digit:]]$');
    expect(r.ok && testScriptRegex(r.re, 'AbC7')).toBe(true);
  });

  it('an unknown POSIX class name stays as written, Object.prototype names too', () => {
    const r = compileScriptRegex('^[[:constructor:]]$');
    expect(r.ok && r.re.source).toBe('^[[:constructor:]]$');
  });

  it(`input is cut to ${MAX_REGEX_INPUT} characters`, () => {
    const r = compileScriptRegex('z$');
    expect(r.ok && testScriptRegex(r.re, 'a'.repeat(MAX_REGEX_INPUT) + 'z')).toBe(false);
    expect(r.ok && testScriptRegex(r.re, 'a'.repeat(10) + 'z')).toBe(true);
  });
});
