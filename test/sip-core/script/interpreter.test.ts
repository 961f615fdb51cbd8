import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { FUNCTIONS, loadScript, newScriptState } from '../../../src/sip-core/script';
import type { LoadedScript, ScriptInterpreter } from '../../../src/sip-core/script';
import { ENGINES, make } from './engines';
import { RecordingTestHost, request } from './recording-test-host';
import type { TestMsg } from './recording-test-host';

const here = path.dirname(fileURLToPath(import.meta.url));
const registrarProxy = readFileSync(path.join(here, 'fixtures/registrar-proxy.cfg'), 'utf8');

function load(src: string, defines?: Record<string, string>): LoadedScript {
  const r = loadScript(src, defines ? { defines } : {});
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  expect(errors.map((e) => `${e.line}:${e.col} ${e.code} ${e.message}`)).toEqual([]);
  return r.script!;
}

describe('loading a Kamailio-style configuration', () => {
  it('loads the registrar/proxy fixture: routes, globals, modules and modparams', () => {
    const r = loadScript(registrarProxy);
    expect(r.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    const s = r.script!;
    expect([...s.routes.request.keys()].sort()).toEqual([
      'LOCATION',
      'REGISTRAR',
      'RELAY',
      'REQINIT',
      'WITHINDLG',
      'main',
    ]);
    expect([...s.routes.failure.keys()]).toEqual(['MANAGE_FAILURE']);
    expect([...s.routes.reply.keys()]).toEqual(['main']);
    expect(s.globals.map((g) => [g.name, g.value])).toEqual([
      ['debug', '2'],
      ['log_stderror', 'no'],
      ['children', '4'],
      ['listen', 'udp:127.0.0.1:5060'],
      ['alias', 'example.com'],
    ]);
    expect(s.modules.map((m) => m.name)).toContain('registrar.so');
    expect(s.modparams.find((p) => p.param === 'log_extra')?.value).toBe(
      'src_user=$fU;src_domain=$fd;dst_user=$rU;dst_domain=$rd',
    );
    const infos = r.diagnostics.filter((d) => d.severity === 'info');
    expect(infos.filter((d) => d.code === 'script-loadmodule-ignored')).toHaveLength(9);
    // tm's fr_timer and fr_inv_timer are read by the simulated proxy; the other three are not.
    expect(infos.filter((d) => d.code === 'script-modparam-ignored').map((d) => d.message)).toEqual([
      expect.stringMatching(/^modparam\("rr", "enable_full_lr"\) ignored/),
      expect.stringMatching(/^modparam\("registrar", "max_expires"\) ignored/),
      expect.stringMatching(/^modparam\("acc", "log_extra"\) ignored/),
    ]);
    expect(infos[0]!.line).toBe(20);
  });

  it('notes as ignored only the modparams the simulator does not read', () => {
    const r = loadScript(
      'modparam("usrloc", "use_domain", 1)\nmodparam("tm", "fr_timer", 5000)\nmodparam("usrloc", "db_mode", 0)\nrequest_route { exit; }\n',
    );
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      expect.stringMatching(/^modparam\("usrloc", "db_mode"\) ignored/),
    ]);
  });

  it('applies #!ifdef/#!else with defines given at load time', () => {
    const s = load(registrarProxy, { WITH_DEBUG: '' });
    expect(s.globals[0]).toMatchObject({ name: 'debug', value: '3' });
    expect(s.defines.get('FLT_ACC')).toBe('1');
  });
});

describe.each(ENGINES)('%s engine', (engine) => {
  describe('running request_route on the registrar/proxy fixture', () => {
    let host: RecordingTestHost;
    let interp: ScriptInterpreter<TestMsg>;
    beforeEach(() => {
      host = new RecordingTestHost();
      interp = make(engine, load(registrarProxy), host);
    });

    const register = (): TestMsg =>
      request('REGISTER', 'sip:example.com', {
        to: 'sip:bob@example.com',
        headers: [
          ['Max-Forwards', '70'],
          ['Contact', '<sip:bob@192.0.2.20:5062>'],
        ],
      });

    it('REGISTER → save("location") then exit', () => {
      const run = interp.runRequest(register());
      expect(run.outcome).toBe('exit');
      expect(host.actions).toEqual([
        { type: 'save', aor: 'bob@example.com', contact: '<sip:bob@192.0.2.20:5062>' },
      ]);
      const calls = run.records.filter((r) => r.kind === 'call').map((r) => r.text);
      expect(calls).toContain('save("location")');
      expect(calls).toContain('mf_process_maxfwd_header("10")');
      expect(run.records.at(-1)).toMatchObject({
        route: 'route[REGISTRAR]',
        kind: 'exit',
        line: 122,
        text: 'exit',
      });
    });

    it('INVITE to a registered user → record_route, lookup rewrites the R-URI, t_on_failure, t_relay', () => {
      interp.runRequest(register());
      host.actions.length = 0;
      const state = newScriptState();
      const invite = request('INVITE', 'sip:bob@example.com');
      const run = interp.runRequest(invite, { state, messageId: 7 });
      expect(run.outcome).toBe('exit');
      expect(run.messageId).toBe(7);
      expect(host.actions).toEqual([
        { type: 'arm', route: 'failure', name: 'MANAGE_FAILURE' },
        { type: 'relay', ruri: 'sip:bob@192.0.2.20:5062', du: null, target: null, stateful: true },
      ]);
      expect(invite.headers[0]).toEqual(['Record-Route', '<sip:127.0.0.1;lr>']);
      expect(invite.headers[1]![1]).toMatch(/;rport$/);
      expect(state.flags.has(1)).toBe(true);
      expect(state.avps.get('avp:oexten')).toBe('bob');
      // Every executed statement is recorded with line, column, text and result.
      const lookup = run.records.find((r) => r.text === 'lookup("location")')!;
      expect(lookup).toMatchObject({
        route: 'route[LOCATION]',
        line: 127,
        col: 7,
        kind: 'call',
        result: 1,
        depth: 1,
      });
      const cond = run.records.find((r) => r.kind === 'if' && r.text === 'if (!lookup("location"))')!;
      expect(cond.result).toBe(false);
      const relay = run.records.find((r) => r.text === 'route(RELAY)')!;
      expect(relay.result).toBe('exit');
    });

    it('compiled once, run many times: the same actions with or without statement records', () => {
      interp.runRequest(register());
      const runs = [true, false, true].map((record) => {
        host.actions.length = 0;
        const run = interp.runRequest(request('INVITE', 'sip:bob@example.com'), { record });
        return { run, actions: [...host.actions] };
      });
      for (const r of runs) {
        expect(r.run.outcome).toBe('exit');
        expect(r.actions).toEqual(runs[0]!.actions);
        expect(r.run.steps).toBe(runs[0]!.run.steps);
      }
      // records only when asked for; the same ones on every recorded run
      expect(runs[1]!.run.records).toEqual([]);
      expect(runs[2]!.run.records).toEqual(runs[0]!.run.records);
      expect(runs[0]!.run.records.length).toBeGreaterThan(10);
    });

    it('INVITE to an unknown user → lookup fails, switch ($var(rc)) case -1 replies 404', () => {
      const run = interp.runRequest(request('INVITE', 'sip:carol@example.com'));
      expect(host.actions).toEqual([{ type: 'reply', code: 404, reason: 'Not Found', stateful: false }]);
      expect(run.records.find((r) => r.kind === 'switch')?.result).toBe(-1);
      expect(run.outcome).toBe('exit');
    });

    it('Max-Forwards 0 → 483 Too Many Hops', () => {
      const m = request('INVITE', 'sip:bob@example.com');
      m.headers[1] = ['Max-Forwards', '0'];
      interp.runRequest(m);
      expect(host.actions).toEqual([{ type: 'reply', code: 483, reason: 'Too Many Hops', stateful: false }]);
    });

    it('a scanner User-Agent matches the =~ regex (case-insensitive) and is logged with PVs expanded', () => {
      const m = request('OPTIONS', 'sip:100@example.com');
      m.headers[2] = ['User-Agent', 'SIPVicious 0.3'];
      const run = interp.runRequest(m);
      expect(host.actions).toEqual([
        { type: 'log', level: 'L_ALERT', text: 'scanner SIPVicious 0.3 from 192.0.2.10:5060\n' },
      ]);
      expect(run.outcome).toBe('exit');
    });

    it('OPTIONS to myself without a user → 200 Keepalive (uri==myself)', () => {
      interp.runRequest(request('OPTIONS', 'sip:example.com'));
      expect(host.actions).toEqual([{ type: 'reply', code: 200, reason: 'Keepalive', stateful: false }]);
    });

    it('in-dialog BYE with a Route → loose_route → t_relay; without → 404 Not here', () => {
      const bye = request('BYE', 'sip:bob@192.0.2.20:5062', { toTag: 'b1' });
      bye.headers.push(['Route', '<sip:127.0.0.1;lr>']);
      interp.runRequest(bye);
      expect(host.actions).toEqual([
        { type: 'relay', ruri: 'sip:bob@192.0.2.20:5062', du: null, target: null, stateful: true },
      ]);
      host.actions.length = 0;
      interp.runRequest(request('BYE', 'sip:bob@192.0.2.20:5062', { toTag: 'b1' }));
      expect(host.actions).toEqual([{ type: 'reply', code: 404, reason: 'Not here', stateful: false }]);
    });

    it('a catalogued function the host does not simulate returns its documented default, noted in the record', () => {
      const run = interp.runRequest(request('CANCEL', 'sip:bob@example.com'));
      const rec = run.records.find((r) => r.text === 't_check_trans()')!;
      expect(rec.result).toBe(-1);
      expect(rec.note).toMatch(/not simulated/);
      host.callResults.set('t_check_trans', 1);
      host.actions.length = 0;
      interp.runRequest(request('CANCEL', 'sip:bob@example.com'));
      expect(host.actions.at(-1)).toMatchObject({ type: 'relay' });
    });

    it('failure_route: t_check_status("486|408") sends the call to voicemail with string concatenation', () => {
      const state = newScriptState();
      state.avps.set('avp:oexten', 'bob');
      for (const code of [486, 408]) {
        host.actions.length = 0;
        host.replyCode = code;
        const m = request('INVITE', 'sip:bob@192.0.2.20:5062', { du: 'sip:192.0.2.20' });
        const run = interp.runFailure('MANAGE_FAILURE', m, { state });
        expect(run.outcome).toBe('exit');
        expect(host.actions).toEqual([
          {
            type: 'log',
            level: 'L_INFO',
            text: 'busy or no answer: to voicemail sip:vm-bob@voicemail.example.com\n',
          },
          { type: 'relay', ruri: 'sip:vm-bob@voicemail.example.com', du: null, target: null, stateful: true },
        ]);
      }
      for (const code of [480, 487, 500, 603, 4860]) {
        host.actions.length = 0;
        host.replyCode = code;
        const run = interp.runFailure('MANAGE_FAILURE', request('INVITE', 'sip:bob@x'), { state });
        expect(run.outcome).toBe('end');
        expect(host.actions).toEqual([]);
      }
    });

    it('the global onreply_route sees status through the `status` keyword', () => {
      const reply: TestMsg = { ...request('INVITE', 'sip:bob@example.com'), kind: 'reply', status: 183 };
      const run = interp.runReply(reply);
      expect(run.name).toBe('main');
      expect(host.actions).toEqual([{ type: 'log', level: 'L_INFO', text: 'ringing: 183\n' }]);
      host.actions.length = 0;
      interp.runReply({ ...reply, status: 200 });
      expect(host.actions).toEqual([]);
    });

    it('running a route that does not exist reports no-such-route', () => {
      expect(interp.runFailure('NOPE', request('INVITE', 'sip:a@b')).outcome).toBe('no-such-route');
    });
  });

  describe('expressions and statements', () => {
    const run = (body: string, msg: TestMsg = request('INVITE', 'sip:bob@example.com')) => {
      const host = new RecordingTestHost();
      const interp = make(
        engine,
        load(`request_route {\n${body}\n}\nroute[R] { return(7); }\nroute[NEG] { return -2; }\n`),
        host,
      );
      const state = newScriptState();
      const r = interp.runRequest(msg, { state });
      return { r, host, state };
    };

    it.each([
      ['1 == 1', true],
      ['"1" == 1', true],
      ['"abc" == "ABC"', false],
      ['2 > 10', false],
      ['"10" > 9', true],
      ['$rU == "bob"', true],
      ['$rU != "bob"', false],
      ['$hdr(X-None) == $null', true],
      ['$rU == $null', false],
      ['!($rU == "bob") || $rd == "example.com"', true],
      ['$rU == "bob" && $rd == "other"', false],
      ['$ru =~ "^sip:b[o]+b@"', true],
      ['$ru !~ "^sip:bob@"', false],
      ['$rU =~ "[[:digit:]]+"', false],
      ['route(R)', true],
      ['route(NEG)', false],
      ['is_method("ACK|INVITE")', true],
      ['!is_method("BYE")', true],
      ['method == "INVITE"', true],
      ['uri == myself', true],
      ['src_ip == myself', false],
      ['src_ip == 192.0.2.10', true],
      ['1 + 2 == 3', true],
      ['"a" + 1 == "a1"', true],
    ])('if (%s) is %s', (cond, expected) => {
      const { r } = run(`if (${cond}) { $var(x) = 1; } else { $var(x) = 2; }`);
      expect(r.records.find((x) => x.kind === 'if')?.result).toBe(expected);
    });

    it('$var assignments, arithmetic and while loops', () => {
      const { state } = run(
        '$var(i) = 0; $var(s) = ""; while ($var(i) < 5) { $var(i) = $var(i) + 1; $var(s) = $var(s) + $var(i); }',
      );
      expect(state.vars.get('i')).toBe(5);
      expect(state.vars.get('s')).toBe('12345');
    });

    it('$rc holds the last return code; route() return values reach the caller', () => {
      const { state } = run('route(R); $var(a) = $rc; route(NEG); $var(b) = $retcode;');
      expect(state.vars.get('a')).toBe(7);
      expect(state.vars.get('b')).toBe(-2);
    });

    it('switch falls through empty cases, honours break and default', () => {
      const code = (v: string) =>
        run(
          `$var(v) = ${v}; switch ($var(v)) { case 1: case 2: $var(r) = "one-two"; break; case "x": $var(r) = "x"; default: $var(r) = "def"; }`,
        ).state.vars.get('r');
      expect(code('1')).toBe('one-two');
      expect(code('2')).toBe('one-two');
      expect(code('"x"')).toBe('def');
      expect(code('9')).toBe('def');
    });

    it('drop ends the run with outcome drop; return in the top block ends it normally', () => {
      expect(run('drop;').r.outcome).toBe('drop');
      expect(run('return(3); xlog("never");')).toMatchObject({ r: { outcome: 'end', returnCode: 3 } });
    });

    it('a function returning 0 stops the script (Kamailio rule)', () => {
      const host = new RecordingTestHost();
      host.callResults.set('t_newtran', 0);
      const interp = make(engine, load('request_route { t_newtran(); sl_send_reply("500", "x"); }'), host);
      const r = interp.runRequest(request('INVITE', 'sip:a@b'));
      expect(r.outcome).toBe('exit');
      expect(host.actions).toEqual([]);
      expect(r.records[0]!.note).toMatch(/returned 0/);
    });

    it('an endless loop stops at the step limit', () => {
      const host = new RecordingTestHost();
      const interp = make(engine, load('request_route { while (1) { $var(i) = $var(i) + 1; } }'), host);
      const r = interp.runRequest(request('INVITE', 'sip:a@b'), { maxSteps: 500 });
      expect(r.outcome).toBe('step-limit');
      expect(r.records.at(-1)?.kind).toBe('limit');
      expect(r.steps).toBeLessThanOrEqual(501);
    });

    it('endless route() recursion stops at the depth limit', () => {
      const host = new RecordingTestHost();
      const interp = make(
        engine,
        load('request_route { route(A); }\nroute[A] { route(B); }\nroute[B] { route(A); }'),
        host,
      );
      const r = interp.runRequest(request('INVITE', 'sip:a@b'), { maxDepth: 20 });
      expect(r.outcome).toBe('depth-limit');
      expect(r.error).toMatch(/20/);
    });

    it('a host that throws ends the run as host-error instead of escaping', () => {
      const host = new RecordingTestHost();
      host.tRelay = () => {
        throw new Error('socket closed');
      };
      const r = make(engine, load('request_route { t_relay(); }'), host).runRequest(
        request('INVITE', 'sip:a@b'),
      );
      expect(r).toMatchObject({ outcome: 'host-error', error: 'socket closed' });
    });

    it('t_relay/forward targets: proto:host:port and host, port', () => {
      const { host } = run(
        't_relay("tcp:10.0.0.1:5070"); forward("10.0.0.2", 5080); t_relay_to_udp("10.0.0.3", "5090");',
      );
      expect(host.actions.map((a) => (a.type === 'relay' ? [a.stateful, a.target] : null))).toEqual([
        [true, { proto: 'tcp', host: '10.0.0.1', port: 5070 }],
        [false, { proto: null, host: '10.0.0.2', port: 5080 }],
        [true, { proto: 'udp', host: '10.0.0.3', port: 5090 }],
      ]);
    });

    it('recording can be turned off', () => {
      const host = new RecordingTestHost();
      const r = make(engine, load('request_route { $var(a) = 1; }'), host).runRequest(
        request('INVITE', 'sip:a@b'),
        { record: false },
      );
      expect(r.records).toEqual([]);
      expect(r.steps).toBe(1);
    });
  });

  describe('docs/script.md', () => {
    const doc = readFileSync(path.join(here, '../../../docs/script.md'), 'utf8');

    it('the example script in the documentation loads and routes a busy call to voicemail', () => {
      const example = /```\n(#!define[\s\S]*?)```/.exec(doc)![1]!;
      const host = new RecordingTestHost();
      const interp = make(engine, load(example), host);
      host.location.set('bob@example.com', ['sip:bob@192.0.2.20']);
      const state = newScriptState();
      interp.runRequest(request('INVITE', 'sip:bob@example.com'), { state });
      expect(host.actions.map((a) => a.type)).toEqual(['arm', 'relay']);
      host.replyCode = 486;
      host.actions.length = 0;
      interp.runFailure('MISSED', request('INVITE', 'sip:bob@192.0.2.20'), { state });
      expect(host.actions).toEqual([
        { type: 'relay', ruri: 'sip:voicemail@192.0.2.20', du: null, target: null, stateful: true },
      ]);
    });

    it('the execution-record excerpt in the documentation matches a real run', () => {
      const host = new RecordingTestHost();
      host.location.set('bob@example.com', ['sip:bob@192.0.2.20:5062']);
      const run = make(engine, load(registrarProxy), host).runRequest(
        request('INVITE', 'sip:bob@example.com'),
      );
      const lines = [...doc.matchAll(/^(\S+)\s+l\.(\d+)\s+(call|if)\s+(.+?)\s+→ (\S+)$/gm)];
      expect(lines.length).toBe(4);
      for (const [, route, line, kind, text, result] of lines) {
        const rec = run.records.find(
          (r) => r.route === route && r.line === Number(line) && r.kind === kind && r.text === text,
        );
        expect(rec, `${route} ${line} ${text}`).toBeDefined();
        expect(String(rec!.result)).toBe(result);
      }
    });

    it('documents every catalogued function and every diagnostic code the loader emits', () => {
      for (const name of Object.keys(FUNCTIONS)) expect(doc, name).toContain(name);
      const codes = new Set<string>();
      for (const dir of ['parser.ts', 'lexer.ts'])
        for (const m of readFileSync(path.join(here, '../../../src/sip-core/script', dir), 'utf8').matchAll(
          /'(script-[a-z-]+)'/g,
        ))
          codes.add(m[1]!);
      for (const c of codes) if (c !== 'script-internal-error') expect(doc, c).toContain(c);
    });
  });
});
