/**
 * A phone registered as bob@DOMAIN is called as sip:bob@127.0.0.1:PORT (the server by its address, as
 * SIPp's `-s bob 127.0.0.1:PORT` does): Kamailio's registrar, with usrloc's default use_domain=0, finds
 * it; the sipscope registrar-proxy lab must too (and neither with use_domain=1). The same SIPp
 * commands (resources/sipp: answer, register, call) run against both.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLab, startLab } from '../../src/main/live';
import { RESOURCES_DIR, SIPP_DIR } from '../../src/main/paths';
import { requirePeer } from '../helpers/peers';
import {
  cleanupAfterEach,
  explainOnFailure,
  freePort,
  KAMAILIO_MODULES,
  labTraceText,
  runSipp,
  sleep,
  startKamailio,
  startSippUas,
  waitForSip,
  workDir,
} from './helpers/run-peers';

const sipp = requirePeer('sipp');
const kamailio = requirePeer('kamailio');
const cleanup = cleanupAfterEach();

/** answer.xml phone, register.xml as bob@domain, call.xml to sip:bob@SERVER: the call's exit code and the final status the caller got. */
async function callByAddress(
  server: string,
  domain: string,
  dir: string,
): Promise<{ code: number | null; finals: string[]; report: () => Record<string, string> }> {
  const [pa, pr, pc] = [await freePort(), await freePort(), await freePort()];
  const phone = startSippUas(
    sipp!,
    ['-sf', join(SIPP_DIR, 'answer.xml'), '-i', '127.0.0.1', '-p', `${pa}`, '-m', '1'],
    dir,
    'phone',
  );
  cleanup.push(() => phone.stop());
  await sleep(300);
  const reg = await runSipp(
    sipp!,
    [
      ...['-sf', join(SIPP_DIR, 'register.xml'), '-s', 'bob', '-set', 'domain', domain],
      ...['-set', 'contact', `127.0.0.1:${pa}`, '-i', '127.0.0.1', '-p', `${pr}`, '-m', '1', server],
    ],
    dir,
    'register',
    20_000,
  );
  expect(reg.code).toBe(0);
  const call = await runSipp(
    sipp!,
    [
      ...['-sf', join(SIPP_DIR, 'call.xml'), '-s', 'bob', '-set', 'domain', server],
      ...['-i', '127.0.0.1', '-p', `${pc}`, '-m', '1', '-timeout', '15s', server],
    ],
    dir,
    'call',
    20_000,
  );
  // the final statuses the caller saw, each once (SIPp logs a message it aborts on twice)
  const finals = [...new Set([...call.messages.matchAll(/^SIP\/2\.0 ([2-6]\d\d)/gm)].map((m) => m[1]!))];
  return {
    code: call.code,
    finals,
    report: () => ({
      'SIPp phone': phone.messages() + phone.output(),
      'SIPp register': reg.messages + reg.output,
      'SIPp call': call.messages + call.output,
    }),
  };
}

describe.skipIf(!sipp || !kamailio)('location service: use_domain as in Kamailio', () => {
  for (const useDomain of [0, 1]) {
    it(`use_domain=${useDomain}: Kamailio and the sipscope lab ${useDomain ? 'answer 404' : 'both find bob'} for sip:bob@127.0.0.1:PORT`, async () => {
      // Kamailio: the interop registrar-proxy.cfg, with the modparam when asked
      const kdir = workDir(`use-domain-k${useDomain}`);
      const kport = await freePort();
      let cfg = readFileSync(join(import.meta.dirname, 'kamailio/registrar-proxy.cfg'), 'utf8')
        .replaceAll('__PROXY__', `127.0.0.1:${kport}`)
        .replaceAll('__MODULES__', KAMAILIO_MODULES);
      if (useDomain)
        cfg = cfg.replace('modparam("usrloc", "db_mode", 0)', '$&\nmodparam("usrloc", "use_domain", 1)');
      const k = startKamailio(kamailio!, cfg, kdir);
      cleanup.push(() => k.stop());
      await waitForSip('127.0.0.1', kport, 10_000, k);
      const viaK = await callByAddress(`127.0.0.1:${kport}`, 'lab.test', kdir);
      await k.stop();

      // sipscope: the registrar-proxy lab on a free port
      const sdir = workDir(`use-domain-s${useDomain}`);
      const sport = await freePort();
      let yaml = readFileSync(join(RESOURCES_DIR, 'labs', 'registrar-proxy.yaml'), 'utf8').replace(
        /127\.0\.0\.1:5060/g,
        `127.0.0.1:${sport}`,
      );
      if (useDomain) yaml = yaml.replace('script: { builtin: stateful-proxy }', '$&\n    useDomain: true');
      const h = await startLab(parseLab(yaml), { steps: false });
      cleanup.push(() => h.stop());
      const viaS = await callByAddress(`127.0.0.1:${sport}`, 'lab.example', sdir);

      await explainOnFailure(
        () => {
          const expected = useDomain ? ['404'] : ['200'];
          expect(viaK.finals).toEqual(expected);
          expect(viaS.finals).toEqual(expected);
          expect(viaK.code === 0).toBe(!useDomain);
          expect(viaS.code === 0).toBe(!useDomain);
        },
        () => ({
          ...Object.fromEntries(Object.entries(viaK.report()).map(([n, t]) => [`Kamailio: ${n}`, t])),
          ...Object.fromEntries(Object.entries(viaS.report()).map(([n, t]) => [`sipscope: ${n}`, t])),
          'sipscope trace': labTraceText(h),
        }),
      );
    }, 60_000);
  }
});
