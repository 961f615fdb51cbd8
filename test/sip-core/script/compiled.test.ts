/**
 * Scripts compiled to JavaScript (codegen.ts) against the closure compiler: hostile script text
 * stays data, every run is the same on both engines (records, steps, limits, errors, the host
 * calls with their arguments), and the whole simulator gives the same output on both.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { loadScript, newScriptState, setScriptCompileDefault } from '../../../src/sip-core/script';
import type {
  LoadedScript,
  RunOptions,
  ScriptHost,
  ScriptInterpreter,
  ScriptRun,
} from '../../../src/sip-core/script';
import { generateScript } from '../../../src/sip-core/script/codegen';

import { BUILTIN_SCRIPTS, Simulation, loadScenario, simulationJson } from '../../../src/sip-core/sim';
import { GENERATED_STATEMENTS, make } from './engines';
import { RecordingTestHost, request } from './recording-test-host';
import type { TestMsg } from './recording-test-host';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '../../..');

function load(src: string): LoadedScript {
  const r = loadScript(src);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.script!;
}

/** A host call as the host saw it: method and arguments (the message left out). */
type HostCall = [string, ...unknown[]];

/**
 * A RecordingTestHost that also logs every host method call with its arguments and can be told
 * to return other values (to compare how both engines normalise them).
 */
function tracingHost(returns: Record<string, unknown> = {}): {
  host: ScriptHost<TestMsg>;
  calls: HostCall[];
  inner: RecordingTestHost;
} {
  const inner = new RecordingTestHost();
  inner.location.set('bob@example.com', ['sip:bob@192.0.2.20']);
  const calls: HostCall[] = [];
  const host = new Proxy(inner, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function' || typeof prop !== 'string') return v;
      return (...args: unknown[]) => {
        calls.push([prop, ...args]);
        const r: unknown = (v as (...a: unknown[]) => unknown).apply(target, args);
        return Object.prototype.hasOwnProperty.call(returns, prop) ? returns[prop] : r;
      };
    },
  });
  return { host, calls, inner };
}

const MESSAGES: (() => TestMsg)[] = [
  () => request('INVITE', 'sip:bob@example.com;transport=udp'),
  () =>
    request('REGISTER', 'sip:example.com', {
      to: 'sip:bob@example.com',
      headers: [
        ['Max-Forwards', '1'],
        ['Contact', '<sip:bob@192.168.0.20:5062>'],
      ],
    }),
  () => {
    const m = request('BYE', 'sip:bob@192.0.2.20', { toTag: 't1' });
    m.headers.push(['Route', '<sip:127.0.0.1;lr>']);
    return m;
  },
  () => ({ ...request('INVITE', 'sip:bob@example.com'), kind: 'reply', status: 486, reason: 'Busy Here' }),
];

/** Runs `kind`/`name` on both engines with fresh hosts and messages; expects the same everything. */
function same(
  script: LoadedScript,
  kind: 'request' | 'failure' | 'onreply' | 'branch' | 'reply',
  name: string,
  msg: () => TestMsg,
  options: Omit<RunOptions, 'state' | 'into'> = {},
  returns: Record<string, unknown> = {},
): ScriptRun {
  const out = (['js', 'closures'] as const).map((engine) => {
    const { host, calls, inner } = tracingHost(returns);
    const state = newScriptState();
    const m = msg();
    const run = make(engine, script, host).run(kind, name, m, { ...options, state });
    return {
      run,
      calls,
      actions: inner.actions,
      m,
      vars: [...state.vars],
      avps: [...state.avps],
      flags: [...state.flags],
      rc: state.rc,
    };
  });
  expect(out[0]).toEqual(out[1]);
  return out[0]!.run;
}

/** Every catalogued function the generated code calls directly, with constant, dynamic and missing arguments. */
const DIRECT_CALLS = `
request_route {
  $var(n) = "7"; $var(s) = "sip:x"; $var(h) = "0x1f";
  is_method("INVITE|bye"); is_method($rm); is_method("register | INVITE");
  has_totag(); is_present_hf("Max-Forwards"); is_present_hf($var(s));
  uri_param("transport"); uri_param("transport", "udp"); uri_param($var(s), $var(n));
  loose_route(); record_route(); record_route(";ftag=$ft"); record_route($var(s));
  mf_process_maxfwd_header("10"); mf_process_maxfwd_header($var(n)); mf_process_maxfwd_header("0x1f");
  mf_process_maxfwd_header($var(h)); mf_process_maxfwd_header("junk"); mf_process_maxfwd_header(5);
  save("location"); save("location", "0x01"); save($var(s), $var(n), $var(s));
  lookup("location"); lookup("location", "sip:bob@example.com"); lookup($var(s), $null);
  sl_send_reply("404", "Not $rU"); send_reply($var(n), $var(s)); t_reply("500", "x"); t_reply(503, $var(s));
  append_hf("X-A: 1\\r\\n"); append_hf("X-B: $ci\\r\\n", "Via"); remove_hf("X-A"); remove_hf($var(s));
  force_rport(); add_rport(); nat_uac_test("19"); nat_uac_test($var(n)); nat_uac_test("x");
  fix_nated_contact(); fix_nated_contact($var(s)); fix_nated_register();
  www_authorize("example.com", "subscriber"); www_challenge("$fd", "0"); www_challenge("x");
  proxy_authorize($var(s), "s"); proxy_challenge("r", $var(n));
  t_load_contacts(); t_next_contacts(); t_on_failure("F"); t_on_reply("R"); t_on_branch("B");
  t_relay(); t_relay("tcp:10.0.0.1:5070"); t_relay($var(s), $var(n)); t_relay("[2001:db8::1]:5070");
  forward(); forward("10.0.0.2", 5080); t_relay_to_udp("10.0.0.3", "5090"); t_relay_to_tcp();
  xlog("L_INFO", "x $var(n) $rU\\n"); xlog("plain"); xinfo("i $si"); t_check_trans(); t_newtran();
  setflag(3); if (isflagset(3)) resetflag(3); setbflag(1); isbflagset(1);
  $var(c) = $null; if (strempty("$var(c)")) $var(e) = 1; starts_with("$ru", "sip:");
  is_request(); is_reply(); isdsturiset(); setdsturi("sip:10.0.0.9"); isdsturiset(); resetdsturi();
  prefix("00"); strip(1); rewritehost("example.net"); sethost($var(s)); rewriteuri("sip:carol@example.com");
  sl_reply_error(); set_contact_alias(); auth_check("example.com", "subscriber"); auth_challenge("example.com", "1");
}
failure_route[F] { if (t_check_status("486|408")) { $ru = "sip:vm@" + $rd; t_relay(); } t_check_status("(("); }
onreply_route[R] { if (status =~ "^18[0-9]") { xlog("early $rs"); } else { drop; } }
branch_route[B] { append_hf("X-Branch: $T_branch_idx\\r\\n"); }
`;

/** Control flow: nested loops, switch fall-through, break everywhere, route() with return values. */
const CONTROL = `
request_route {
  $var(i) = 0;
  while ($var(i) < 4) {
    $var(i) = $var(i) + 1;
    switch ($var(i)) {
      case 1: $var(a) = $var(a) + "one";
      case 2: $var(a) = $var(a) + "two"; break;
      default: $var(a) = $var(a) + "d";
        if ($var(i) == 4) { break; }
        $var(a) = $var(a) + "!";
    }
    if ($var(i) >= 3 && $var(i) != 5) { $var(j) = 0; while (1) { $var(j) = $var(j) + 1; if ($var(j) > 2) break; } }
  }
  if (route(SUB)) { $var(r) = $rc; } else { $var(r) = "neg " + $retcode; }
  route(SUB2); $var(r2) = $rc;
  $var(d) = "SUB"; route($var(d)); $var(u) = $var(u) + 1 - "2" + $null;
  if (!($ru =~ $var(pattern)) || $ru !~ "(a|b" + ")") { $var(k) = 1; }
  $var(pattern) = "(a+)+$"; if ($ru =~ $var(pattern)) { $var(k) = 2; }
  $var(cmp) = ("10" > 9) + (2 <= "x") + ("a" >= "a");
  if (uri == myself || $rd == myself || $null == myself) { $var(me) = 1; }
  $avp(x) = $sel(cfg_get.grp.val) + $sel(cfg_get.none) + $sel(other);
  $ru = "sip:carol@example.net"; $du = $null; $rp = 5070;
  switch ($rm) { case "INVITE": case "BYE": $var(m) = "dialog"; default: $var(m) = $var(m) + "+"; }
  switch ($var(nothing)) { case 1: $var(z) = 1; }
  if ($var(i) == 4) return($var(i) + 1);
  exit;
}
route[SUB] { if ($var(i) > 100) { return -1; } return 3; }
route[SUB2] { break; $var(never) = 1; }
`;

describe('scripts compiled to JavaScript', () => {
  it('hostile text in strings, regexes, pseudo-variables, globals and route names stays data', () => {
    const src = [
      'grp.val = "\\"); globalThis.__pwned = 6; (\\"" desc "x"',
      'request_route {',
      '  $var(a) = "q\\"uote back\\\\slash */ /* ${x} \u2028\u2029 \\"); globalThis.__pwned = 1; (\\"";',
      '  xlog("L_INFO", "\\"); globalThis.__pwned = 2; (\\" */ ${1+1} `t`\\n");',
      '  if ($var(k"+(globalThis.__pwned=3)+"*/${u}\\\\) == $null) { $var(b) = "pv arg ok"; }',
      '  if ($var(a) =~ "\\\\\\"\\\\);[ ]globalThis[.]__pwned") { $var(c) = "regex ok"; }',
      '  route("\\"); globalThis.__pwned = 5; (\\"");',
      '  $var(g) = $sel(cfg_get.grp.val);',
      '}',
      'route["\\"); globalThis.__pwned = 5; (\\""] { $var(r) = "in the route"; }',
    ].join('\n');
    const script = load(src);
    const g = globalThis as { __pwned?: unknown };
    const source = generateScript(script, (k, n) => `${k}[${n}]`);
    // outside its JSON string literals the generated source holds nothing of the script's text
    const code = source.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    expect(code).not.toMatch(/pwned|globalThis|\u2028/);
    const host = new RecordingTestHost();
    const state = newScriptState();
    const run = make('js', script, host).runRequest(request('INVITE', 'sip:bob@example.com'), { state });
    expect(g.__pwned).toBeUndefined();
    expect(run.outcome).toBe('end');
    expect(state.vars.get('a')).toBe(
      'q"uote back\\slash */ /* ${x} \u2028\u2029 "); globalThis.__pwned = 1; ("',
    );
    expect(host.actions).toEqual([
      { type: 'log', level: 'L_INFO', text: '"); globalThis.__pwned = 2; (" */ ${1+1} `t`\n' },
    ]);
    expect(state.vars.get('b')).toBe('pv arg ok');
    expect(state.vars.get('c')).toBe('regex ok');
    expect(state.vars.get('r')).toBe('in the route');
    expect(state.vars.get('g')).toBe('\\"); globalThis.__pwned = 6; (\\"'); // a global's value is its raw text
    expect(run.records.some((r) => r.route === 'route["); globalThis.__pwned = 5; ("]')).toBe(true);
    same(script, 'request', 'main', () => request('INVITE', 'sip:bob@example.com'));
  });

  it('both engines call the host alike for every catalogued function, on every message, recorded or not', () => {
    const script = load(DIRECT_CALLS);
    for (const msg of MESSAGES)
      for (const record of [true, false]) {
        same(script, 'request', 'main', msg, { record });
        same(script, 'failure', 'F', msg, { record });
        same(script, 'onreply', 'R', msg, { record });
        same(script, 'branch', 'B', msg, { record });
      }
    const run = same(script, 'request', 'main', MESSAGES[0]!);
    expect(run.outcome).toBe('end');
    expect(run.records.filter((r) => r.kind === 'call').length).toBeGreaterThan(80);
  });

  it('host results are normalised alike (numbers truncated, NaN and non-numbers -1, 0 stops the script)', () => {
    const script = load(DIRECT_CALLS);
    for (const returns of [
      { hasTotag: 2.7, looseRoute: -0.5, recordRoute: Number.NaN },
      { mfProcessMaxfwdHeader: Infinity, save: 'x', lookup: undefined },
      { isMethod: 1, tRelay: 0 },
      { call: 0 },
      { slSendReply: -0 },
    ])
      for (const record of [true, false]) same(script, 'request', 'main', MESSAGES[0]!, { record }, returns);
    const stopped = same(script, 'request', 'main', MESSAGES[0]!, {}, { hasTotag: 0 });
    expect(stopped.outcome).toBe('exit');
    expect(stopped.records.at(-1)?.note).toMatch(/returned 0/);
  });

  it('control flow, operators and route() run alike; a host that throws ends both runs alike', () => {
    const script = load(CONTROL.replace('request_route {', 'grp.val = "G" desc "d"\nrequest_route {'));
    for (const msg of MESSAGES)
      for (const record of [true, false]) same(script, 'request', 'main', msg, { record });
    const run = same(script, 'request', 'main', MESSAGES[0]!);
    expect(run).toMatchObject({ outcome: 'end', returnCode: 5 });
    expect(run.records.some((r) => r.kind === 'limit' && /regex refused/.test(r.note ?? ''))).toBe(true);
    const thrown = same(
      load('request_route { if (has_totag()) { exit; } t_relay(); }'),
      'request',
      'main',
      MESSAGES[0]!,
      {},
      {},
    );
    expect(thrown.outcome).toBe('end');
    const { host } = tracingHost();
    host.tRelay = () => {
      throw new Error('socket closed');
    };
    for (const engine of ['js', 'closures'] as const)
      expect(
        make(engine, load('request_route { route(A); }\nroute[A] { t_relay(); }'), host).runRequest(
          MESSAGES[0]!(),
        ),
      ).toMatchObject({
        outcome: 'host-error',
        error: 'socket closed',
      });
  });

  it('every step limit and depth limit stops both engines at the same statement with the same records', () => {
    const script = load(CONTROL.replace('request_route {', 'grp.val = "G" desc "d"\nrequest_route {'));
    const full = same(script, 'request', 'main', MESSAGES[0]!);
    expect(full.steps).toBeGreaterThan(50);
    for (let maxSteps = 0; maxSteps <= full.steps + 1; maxSteps++)
      for (const record of [true, false]) {
        const r = same(script, 'request', 'main', MESSAGES[0]!, { maxSteps, record });
        expect(r.outcome).toBe(maxSteps < full.steps ? 'step-limit' : 'end');
      }
    const rec = load(
      'request_route { $var(d) = 0; route(A); }\nroute[A] { $var(d) = $var(d) + 1; if ($var(d) < 9) { route(B); } }\nroute[B] { route(A); }',
    );
    for (let maxDepth = 0; maxDepth <= 20; maxDepth++)
      for (const record of [true, false]) same(rec, 'request', 'main', MESSAGES[0]!, { maxDepth, record });
    expect(same(rec, 'request', 'main', MESSAGES[0]!, { maxDepth: 3 }).outcome).toBe('depth-limit');
    const missing = load('request_route { $var(x) = "NOPE"; route($var(x)); }');
    expect(same(missing, 'request', 'main', MESSAGES[0]!)).toMatchObject({
      outcome: 'no-such-route',
      error: 'route[NOPE] is not defined',
    });
  });

  it('the fixtures, the built-in scripts and the documentation example run alike on every message', () => {
    const doc = readFileSync(path.join(root, 'docs/script.md'), 'utf8');
    const sources = [
      readFileSync(path.join(here, 'fixtures/registrar-proxy.cfg'), 'utf8'),
      readFileSync(path.join(here, 'fixtures/ser-0.9.cfg'), 'utf8'),
      /```\n(#!define[\s\S]*?)```/.exec(doc)![1]!,
      ...Object.values(BUILTIN_SCRIPTS),
    ];
    for (const src of sources) {
      const script = load(src);
      for (const kind of ['request', 'failure', 'onreply', 'branch', 'reply'] as const)
        for (const name of script.routes[kind].keys())
          for (const msg of MESSAGES)
            for (const record of [true, false]) same(script, kind, name, msg, { record });
    }
  });

  it('generated scripts run alike on both engines (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...GENERATED_STATEMENTS), { maxLength: 25 }),
        fc.array(fc.constantFrom(...GENERATED_STATEMENTS), { maxLength: 8 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 300 }),
        fc.boolean(),
        (main, sub, m, maxSteps, record) => {
          const src = `request_route {\n${main.join('\n')}\n}\nroute[SUB] {\n${sub.filter((s) => !s.includes('route(SUB)')).join('\n')}\n}\nroute[LOOP] { route(LOOP); }\nfailure_route[F] { t_relay(); }\n`;
          same(load(src), 'request', 'main', MESSAGES[m]!, { maxSteps, maxDepth: 16, record });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the simulator on both engines', () => {
  afterEach(() => {
    setScriptCompileDefault('auto');
  });

  it('every built-in scenario gives the same JSON output (events and script records included)', () => {
    const dir = path.join(root, 'resources/scenarios');
    let scriptEvents = 0;
    for (const f of readdirSync(dir)
      .filter((x) => x.endsWith('.yaml'))
      .sort()) {
      const scenario = loadScenario(readFileSync(path.join(dir, f), 'utf8')).scenario!;
      const out = (['js', 'closures'] as const).map((engine) => {
        setScriptCompileDefault(engine);
        const sim = new Simulation(scenario);
        for (const el of sim.elements.values())
          if ('interp' in el) expect((el.interp as ScriptInterpreter<unknown>).engine, f).toBe(engine);
        sim.run();
        return JSON.stringify(simulationJson(sim));
      });
      expect(out[0], f).toBe(out[1]);
      scriptEvents += (out[0]!.match(/"kind":"script"/g) ?? []).length;
    }
    expect(scriptEvents).toBeGreaterThan(100);
  });
});

describe('where new Function is refused', () => {
  it('scripts run on the closure compiler, with the same results (node --disallow-code-generation-from-strings)', () => {
    const probe = `
      import { loadScript, ScriptInterpreter, canCompileScriptsToJs } from ${JSON.stringify(path.join(root, 'src/sip-core/script/index.ts'))};
      const s = loadScript('request_route { $var(a) = "x" + 1; if ($var(a) =~ "^x") { xlog("ok $var(a)"); } }').script;
      const logs = [];
      const host = new Proxy({}, { get: (_, p) => (p === 'xlog' ? (_m, l, t) => logs.push(l + ' ' + t) : p === 'getPv' ? () => null : undefined) });
      const i = new ScriptInterpreter(s, host);
      const r = i.runRequest({});
      console.log(JSON.stringify({ can: canCompileScriptsToJs(), engine: i.engine, outcome: r.outcome, logs }));
    `;
    const tsx = path.join(root, 'node_modules/tsx/dist/loader.mjs');
    const res = spawnSync(
      process.execPath,
      ['--disallow-code-generation-from-strings', '--import', tsx, '--input-type=module', '-e', probe],
      { encoding: 'utf8', cwd: root, timeout: 60_000 },
    );
    expect(res.stderr).not.toMatch(/Error/);
    expect(JSON.parse(res.stdout.trim().split('\n').at(-1)!)).toEqual({
      can: false,
      engine: 'closures',
      outcome: 'end',
      logs: ['L_ERR ok x1'],
    });
  });
});
