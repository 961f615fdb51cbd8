/**
 * The default kamailio.cfg shipped by the installed kamailio package (read in place, not copied:
 * it is GPL) must load, and its request_route must make the expected decisions.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { requirePeer } from '../../helpers/peers';
import { loadScript } from '../../../src/sip-core/script';
import { ENGINES, make } from './engines';
import { RecordingTestHost, request } from './recording-test-host';

const CFG = '/etc/kamailio/kamailio.cfg';
const kamailio = requirePeer('kamailio');
const present = kamailio !== null && existsSync(CFG);

describe.each(ENGINES)('%s engine', (engine) => {
  describe.skipIf(!present)('the default kamailio.cfg of the installed Kamailio', () => {
    const src = present ? readFileSync(CFG, 'utf8') : '';

    it.each([
      [{}],
      [{ WITH_NAT: '' }],
      [{ WITH_AUTH: '', WITH_MYSQL: '', WITH_USRLOCDB: '' }],
      [{ WITH_NAT: '', WITH_AUTH: '', WITH_MYSQL: '', WITH_VOICEMAIL: '', WITH_PSTN: '', WITH_BLOCK3XX: '' }],
    ])('loads without errors with defines %j', (defines) => {
      const r = loadScript(src, { defines });
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(r.script!.routes.request.has('main')).toBe(true);
      expect(r.script!.routes.failure.has('MANAGE_FAILURE')).toBe(true);
      expect(r.script!.routes.branch.has('MANAGE_BRANCH')).toBe(true);
    });

    it('reports the functions this simulator does not provide when every feature is enabled, each located', () => {
      const r = loadScript(src, { defines: { WITH_PRESENCE: '', WITH_SPEEDDIAL: '', WITH_ALIASDB: '' } });
      const unknown = r.diagnostics.filter((d) => d.code === 'script-unknown-function').map((d) => d.message);
      expect(unknown).toEqual([
        "unknown function 'sd_lookup'",
        "unknown function 'alias_db_lookup'",
        "unknown function 'handle_publish'",
        "unknown function 'handle_subscribe'",
      ]);
      for (const d of r.diagnostics)
        expect(src.split('\n')[d.line - 1]!.slice(d.col - 1)).toMatch(/^[a-z_$]/);
    });

    it('REGISTER is saved; an INVITE to the registered user is looked up and relayed with record-routing', () => {
      const host = new RecordingTestHost();
      const interp = make(engine, loadScript(src).script!, host);
      const reg = request('REGISTER', 'sip:127.0.0.1', {
        to: 'sip:bob@127.0.0.1',
        headers: [
          ['Via', 'SIP/2.0/UDP 127.0.0.2;branch=z9hG4bKr'],
          ['Max-Forwards', '70'],
          ['Contact', '<sip:bob@127.0.0.2:5070>'],
        ],
      });
      expect(interp.runRequest(reg).outcome).toBe('exit');
      expect(host.actions).toEqual([
        { type: 'save', aor: 'bob@127.0.0.1', contact: '<sip:bob@127.0.0.2:5070>' },
      ]);
      host.actions.length = 0;
      const invite = request('INVITE', 'sip:bob@127.0.0.1');
      const run = interp.runRequest(invite);
      expect(run.outcome).toBe('exit');
      expect(host.actions).toEqual([
        { type: 'arm', route: 'branch', name: 'MANAGE_BRANCH' },
        { type: 'arm', route: 'reply', name: 'MANAGE_REPLY' },
        { type: 'arm', route: 'failure', name: 'MANAGE_FAILURE' },
        { type: 'relay', ruri: 'sip:bob@127.0.0.2:5070', du: null, target: null, stateful: true },
      ]);
      expect(invite.headers[0]![0]).toBe('Record-Route');
      expect(run.records.map((r) => r.route)).toContain('route[LOCATION]');
    });

    it('a request for a foreign domain is refused with 403 Not relaying; an unknown local user gets 404', () => {
      const host = new RecordingTestHost();
      const interp = make(engine, loadScript(src).script!, host);
      interp.runRequest(request('INVITE', 'sip:bob@elsewhere.example'));
      expect(host.actions).toEqual([{ type: 'reply', code: 403, reason: 'Not relaying', stateful: false }]);
      host.actions.length = 0;
      interp.runRequest(request('INVITE', 'sip:nobody@127.0.0.1'));
      expect(host.actions).toEqual([{ type: 'reply', code: 404, reason: 'Not Found', stateful: false }]);
    });
  });

  describe.skipIf(!present)('the default kamailio.cfg with WITH_VOICEMAIL and cfg_get globals', () => {
    it('a 486 in failure_route[MANAGE_FAILURE] sends the call to voicemail.srv_ip from $sel(cfg_get...)', () => {
      const src = readFileSync(CFG, 'utf8').replace(
        'voicemail.srv_ip = "" desc',
        'voicemail.srv_ip = "192.0.2.99" desc',
      );
      const loaded = loadScript(src, { defines: { WITH_VOICEMAIL: '' } });
      expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const host = new RecordingTestHost();
      host.replyCode = 486;
      const interp = make(engine, loaded.script!, host);
      const state = {
        vars: new Map(),
        avps: new Map([['avp:oexten', 'bob']]),
        flags: new Set<number>(),
        bflags: new Set<number>(),
      };
      const run = interp.runFailure(
        'MANAGE_FAILURE',
        request('INVITE', 'sip:bob@127.0.0.2:5070', { du: 'sip:127.0.0.2' }),
        { state },
      );
      expect(run.outcome).toBe('exit');
      expect(host.actions.at(-1)).toEqual({
        type: 'relay',
        ruri: 'sip:bob@192.0.2.99:5060',
        du: null,
        target: null,
        stateful: true,
      });
    });
  });
});
