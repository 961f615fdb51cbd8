/** An SER 0.9-style configuration (the dialect of the course seeds): `break;`, `};`, `!uri==myself`, `msg:len`. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadScript } from '../../../src/sip-core/script';
import type { ScriptInterpreter } from '../../../src/sip-core/script';
import { ENGINES, make } from './engines';
import { RecordingTestHost, request } from './recording-test-host';
import type { TestMsg } from './recording-test-host';

const here = path.dirname(fileURLToPath(import.meta.url));
const src = readFileSync(path.join(here, 'fixtures/ser-0.9.cfg'), 'utf8');

describe.each(ENGINES)('%s engine', (engine) => {
  describe('an SER 0.9 quick-start configuration', () => {
    let host: RecordingTestHost;
    let interp: ScriptInterpreter<TestMsg>;
    beforeEach(() => {
      const r = loadScript(src);
      expect(r.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
      host = new RecordingTestHost();
      interp = make(engine, r.script!, host);
    });

    it('keeps the SER globals (fork, check_via, fifo...)', () => {
      const g = Object.fromEntries(loadScript(src).script!.globals.map((x) => [x.name, x.value]));
      expect(g).toMatchObject({
        debug: '3',
        fork: 'yes',
        check_via: 'no',
        port: '5060',
        fifo: '/tmp/ser_fifo',
      });
    });

    it('REGISTER for this domain is saved, without Record-Route (!method=="REGISTER" is a negated test)', () => {
      const reg = request('REGISTER', 'sip:example.com', { to: 'sip:bob@example.com' });
      reg.headers.push(['Contact', '<sip:bob@192.0.2.20:5062>']);
      interp.runRequest(reg);
      expect(host.actions).toEqual([
        { type: 'save', aor: 'bob@example.com', contact: '<sip:bob@192.0.2.20:5062>' },
      ]);
      expect(reg.headers.some(([n]) => n === 'Record-Route')).toBe(false);
    });

    it('INVITE for a foreign domain: !uri==myself → P-hint outbound, route(1) → t_relay, record-routed', () => {
      const inv = request('INVITE', 'sip:carol@elsewhere.example');
      const run = interp.runRequest(inv);
      expect(host.actions).toEqual([
        { type: 'relay', ruri: 'sip:carol@elsewhere.example', du: null, target: null, stateful: true },
      ]);
      expect(inv.headers.find(([n]) => n === 'P-hint')?.[1]).toBe('outbound');
      expect(inv.headers[0]![0]).toBe('Record-Route');
      expect(run.records.find((r) => r.text === 'if (!uri==myself)')?.result).toBe(true);
    });

    it('INVITE for a registered local user → usrloc applied; unknown user → 404', () => {
      host.location.set('bob@example.com', ['sip:bob@192.0.2.20:5062']);
      const inv = request('INVITE', 'sip:bob@example.com');
      interp.runRequest(inv);
      expect(host.actions.at(-1)).toMatchObject({ type: 'relay', ruri: 'sip:bob@192.0.2.20:5062' });
      expect(inv.headers.find(([n]) => n === 'P-hint')?.[1]).toBe('usrloc applied');
      host.actions.length = 0;
      interp.runRequest(request('INVITE', 'sip:nobody@example.com'));
      expect(host.actions).toEqual([{ type: 'reply', code: 404, reason: 'Not Found', stateful: false }]);
    });

    it('msg:len >= max_len → 513 Message too big', () => {
      interp.runRequest(request('INVITE', 'sip:bob@example.com', { length: 70_000 }));
      expect(host.actions).toEqual([
        { type: 'reply', code: 513, reason: 'Message too big', stateful: false },
      ]);
    });
  });
});
