/**
 * Fuzz: the text a user types or loads never crashes or hangs sipscope (test/helpers/mutate.ts,
 * seeded). Display filters (docs/filters.md's examples) compile or give an error with a column in the
 * text, and a compiled one runs over a real trace in bounded time (its regexes included); scenario
 * and lab YAML (every built-in one) load or give errors with line and column, and a loaded scenario
 * simulates within an event bound; routing scripts (the shipped configurations) load or give located
 * diagnostics; TLS key logs and RSA key files (PEM, DER) are taken or refused with a message; the
 * TUI's terminal input decodes to keys.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzz, mutate, mutateText } from '../helpers/mutate';
import { analysisOnAppend, filterMessages, queryCalls, TraceAnalyzer } from '../../src/sip-core/analysis';
import { ingestBytes } from '../../src/sip-core/trace/trace-builder';
import { loadScenario } from '../../src/sip-core/sim/scenario';
import { Simulation } from '../../src/sip-core/sim';
import { loadScript } from '../../src/sip-core/script';
import { TlsKeyLog } from '../../src/sip-core/capture/tls/keylog';
import { rsaKeyLine } from '../../src/sip-core/capture/tls/keylog-file.node';
import { decodeKeys } from '../../src/main/tui/terminal';

const ROOT = resolve(__dirname, '../..');
const read = (p: string): string => readFileSync(resolve(ROOT, p), 'utf8');
const yamls = (dir: string): { name: string; text: string }[] =>
  readdirSync(resolve(ROOT, dir))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ name: `${dir}/${f}`, text: read(`${dir}/${f}`) }));

const FILTER_TOKENS = [
  '(',
  ')',
  '"',
  '\\',
  '==',
  '!=',
  '&&',
  '||',
  '!',
  ' matches "(a+)+$"',
  ' matches "',
  ' contains ',
  ' ~ ".*.*.*.*x"',
  'sip.header.',
  '10.0.0.0/33',
  '1e400',
  '-',
  '.',
  ' ',
  'call.',
  '[',
];

describe('fuzz: display filters', () => {
  const examples = read('docs/filters.md')
    .split('## Examples')[1]!
    .split('```')[1]!
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean);
  const r = ingestBytes(
    new Uint8Array(readFileSync(resolve(ROOT, 'resources/samples/sample-problems.pcap'))),
    's',
    {
      onAppend: analysisOnAppend(),
    },
  );
  const an = r.trace.analysis as TraceAnalyzer;

  it(`${examples.length} documented filters, 3,000 mutants: compile or a located error; run over a trace quickly (seed 0xF117)`, async () => {
    expect(examples.length).toBeGreaterThan(8);
    expect(an).toBeInstanceOf(TraceAnalyzer);
    await fuzz(
      'filter',
      (seed, i) => {
        const m = mutateText(examples[i % examples.length]!, seed, { tokens: FILTER_TOKENS });
        return { name: examples[i % examples.length]!, input: m.text, ops: m.ops };
      },
      (text) => {
        const f = filterMessages(an, text);
        if (!f.ok) {
          expect(f.error.message.length).toBeGreaterThan(0);
          expect(f.error.column).toBeGreaterThanOrEqual(1);
          expect(f.error.column).toBeLessThanOrEqual(text.length + 1);
          return;
        }
        queryCalls(an, { filter: text, limit: 50 });
      },
      { seed: 0xf117, count: 3000, slowMs: 2000 },
    );
  }, 60_000);
});

describe('fuzz: scenario and lab YAML', () => {
  const corpus = [...yamls('resources/scenarios'), ...yamls('resources/labs')];

  it(`${corpus.length} built-in scenarios and labs, 300 mutants: load or errors with line and column; simulate within bounds (seed 0x5CE0)`, async () => {
    let simulated = 0;
    await fuzz(
      'scenario',
      (seed, i) => {
        const c = corpus[i % corpus.length]!;
        const m = mutateText(c.text, seed, {
          maxBytes: 256 * 1024,
          tokens: [': ', '- ', '\n', '  ', '&a ', '*a', '{', '[', '999999999', '-1', '"', "'", '#', '|', '>'],
        });
        return { name: c.name, input: m.text, ops: m.ops };
      },
      (text) => {
        const lines = text.split('\n').length;
        const r = loadScenario(text);
        if (!r.scenario) {
          expect(r.errors.length).toBeGreaterThan(0);
          for (const e of r.errors) {
            expect(e.message.length).toBeGreaterThan(0);
            expect(e.line).toBeLessThanOrEqual(lines + 1);
          }
          return;
        }
        // A scenario that loads runs on the virtual clock; a bad combination is a build error, not a crash.
        try {
          const sim = new Simulation(r.scenario, { events: false });
          sim.run(200_000);
          simulated++;
        } catch (e) {
          if (!(e instanceof Error) || e.constructor.name !== 'ScenarioBuildError') throw e;
        }
      },
      { seed: 0x5ce0, count: 300, slowMs: 10_000 },
    );
    expect(simulated).toBeGreaterThan(20);
  }, 60_000);
});

describe('fuzz: routing scripts', () => {
  const corpus = readdirSync(resolve(ROOT, 'test/sip-core/script/fixtures'))
    .sort()
    .map((f) => ({ name: f, text: read(`test/sip-core/script/fixtures/${f}`) }));

  it(`${corpus.length} configurations, 500 mutants: load, or diagnostics with a line in the text (seed 0x5C41)`, async () => {
    await fuzz(
      'script',
      (seed, i) => {
        const c = corpus[i % corpus.length]!;
        const m = mutateText(c.text, seed, {
          maxBytes: 256 * 1024,
          tokens: [
            '{',
            '}',
            '(',
            ')',
            '"',
            ';',
            '$',
            '=~ "(a+)+"',
            'route(',
            'if (',
            'else',
            '\n',
            '#!',
            '/*',
            '*/',
          ],
        });
        return { name: c.name, input: m.text, ops: m.ops };
      },
      (text) => {
        const r = loadScript(text);
        const lines = text.split('\n').length;
        for (const d of r.diagnostics) {
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.line).toBeLessThanOrEqual(lines + 1);
        }
      },
      { seed: 0x5c41, count: 500, slowMs: 5000 },
    );
  }, 60_000);
});

describe('fuzz: TLS key logs and RSA key files', () => {
  const keys = readdirSync(resolve(ROOT, 'test/fixtures/tls'))
    .filter((f) => f.endsWith('.keys'))
    .sort()
    .map((f) => ({ name: f, text: read(`test/fixtures/tls/${f}`) }));
  const pem = readFileSync(resolve(ROOT, 'test/fixtures/tls/tls12-rsa.key'));

  it('1,000 key log mutants are taken or counted as bad lines (seed 0x4E15)', async () => {
    await fuzz(
      'keylog',
      (seed, i) => {
        const c = keys[i % keys.length]!;
        const m = mutateText(c.text, seed, {
          tokens: [' ', '\n', '\r\n', 'CLIENT_RANDOM ', 'SIPSCOPE_RSA_KEY ', '#', 'zz'],
        });
        return { name: c.name, input: m.text, ops: m.ops };
      },
      (text) => {
        const k = new TlsKeyLog();
        const n = k.add(text);
        expect(n).toBeGreaterThanOrEqual(0);
      },
      { seed: 0x4e15, count: 1000 },
    );
  });

  it('400 damaged RSA key files (PEM and its DER): a key line, or an error naming the file (seed 0x4EA0)', async () => {
    const der = Buffer.from(
      pem
        .toString('latin1')
        .split('\n')
        .filter((l) => !l.startsWith('-----'))
        .join(''),
      'base64',
    );
    const corpus = [
      { name: 'tls12-rsa.key', bytes: new Uint8Array(pem) },
      { name: 'tls12-rsa.der', bytes: new Uint8Array(der) },
    ];
    await fuzz(
      'rsa-key',
      (seed, i) => {
        const c = corpus[i % 2]!;
        const m = mutate(c.bytes, seed);
        return { name: c.name, input: m.bytes, ops: m.ops };
      },
      (b) => {
        let line: string;
        try {
          line = rsaKeyLine(b, '127.0.0.1:5061', 'key.pem');
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          expect((e as Error).message).toMatch(/^key\.pem: /);
          return;
        }
        const k = new TlsKeyLog();
        k.add(line);
        expect(k.badLines).toBe(0);
      },
      { seed: 0x4ea0, count: 400 },
    );
  });
});

describe('fuzz: the TUI keyboard', () => {
  it('1,000 chunks of terminal input (escape sequences mutated, pasted text): keys decoded, in linear time (seed 0x7E51)', async () => {
    const seqs = '\x1b[A\x1b[B\x1b[5~\x1b[1;5C\x1bOP\x1b\r\t\x7f\x03abc/é\u{1F600}\x1b[200~paste\x1b[201~';
    await fuzz(
      'tui-keys',
      (seed) => {
        const m = mutateText(seqs, seed, { tokens: ['\x1b', '[', 'O', '~', ';', '1', '\x00', '\x7f'] });
        return { name: 'keys', input: m.text, ops: m.ops };
      },
      (chunk) => {
        const keys = decodeKeys(chunk);
        expect(keys.length).toBeLessThanOrEqual(chunk.length);
        expect(keys.every((k) => k.length > 0)).toBe(true);
      },
      { seed: 0x7e51, count: 1000 },
    );
    // A 1 MB paste of escapes and text.
    const big = '\x1b['.repeat(100_000) + 'x'.repeat(500_000);
    const t0 = performance.now();
    decodeKeys(big);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('found by the fuzz', () => {
  it.each([
    ['\v', 'vertical tab (found with seed 0xF117)'],
    ['\f', 'form feed'],
    ['\u00a0', 'no-break space (pasted text)'],
    ['\u2028', 'line separator'],
  ])(
    'a filter with a %j between words is read as white space (it lexed empty words for ever: the process ran out of memory) — %s',
    (ws) => {
      const f = filterMessages(
        ingestBytes(new Uint8Array(readFileSync(resolve(ROOT, 'resources/samples/sample-call.pcap'))), 's', {
          onAppend: analysisOnAppend(),
        }).trace.analysis as TraceAnalyzer,
        `sip.method${ws}==${ws}"INVITE"${ws}||${ws}sip.status${ws}>=${ws}400`,
      );
      expect(f.ok).toBe(true);
      expect(f.ok && f.ids.length).toBeGreaterThan(0);
    },
  );

  it('a routing script global with the name and "=" on different lines (`fork\\n=yes`, found with seed 0x5C41) is read; it looped for ever (out of memory)', () => {
    const r = loadScript('debug=3\nfork\n=yes\nroute {\n\tt_relay();\n}\n');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.script?.globals.map((g) => [g.name, g.value])).toEqual([
      ['debug', '3'],
      ['fork', 'yes'],
    ]);
  });
});
