/**
 * `lintMessage` gives exactly the diagnostics it gave when the snapshot was taken (session 11, before
 * the lint's speed work): codes, severities, layers, messages, RFC sections, spans and their order,
 * compared as JSON (so the key order of each diagnostic too), for every RFC 4475 / RFC 5118 fixture
 * message, the §24.2 INVITE and the bench's 200 OK, every message of the capture fixtures and every
 * message of the public captures (`../shared/captures/public`, when present). The snapshot keeps, per
 * source, the message count and the diagnostics of each message that has some (a message without any
 * must still have none). Regenerate only on purpose:
 * `LINT_SNAPSHOT_WRITE=1 npx vitest run test/sip-core/message/lint-snapshot.test.ts`, then
 * `npx prettier --write` the JSON.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lintMessage, parseMessage } from '../../../src/sip-core/message/index';
import { INVITE_24_2, OK_200_RR } from '../../fixtures/sip-examples';
import { FIXTURES, havePublic, ingestFile, PUBLIC_CAPTURES } from '../capture/tshark-compare';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, '../../fixtures');
const snapshotFile = path.join(here, 'lint-snapshot.json');

/** Per source: how many messages, and the diagnostics (as JSON text) of those that have some. */
interface SourceSnapshot {
  count: number;
  flagged: Record<string, string>;
}

function snapshotOf(messages: Uint8Array[]): SourceSnapshot {
  const flagged: Record<string, string> = {};
  messages.forEach((b, i) => {
    const d = lintMessage(parseMessage(b, 0, b.length));
    if (d.length > 0) flagged[String(i)] = JSON.stringify(d);
  });
  return { count: messages.length, flagged };
}

function fixtureMessages(): Record<string, Uint8Array[]> {
  const out: Record<string, Uint8Array[]> = {
    'sip-examples': [Buffer.from(INVITE_24_2), Buffer.from(OK_200_RR)],
  };
  for (const dir of ['rfc4475', 'rfc5118', 'rfc5118/crlf']) {
    const d = path.join(fixtures, dir);
    for (const f of readdirSync(d).sort()) {
      if (f.endsWith('.dat')) out[`${dir}/${f}`] = [readFileSync(path.join(d, f))];
    }
  }
  return out;
}

function captureMessages(dir: string, prefix: string): Record<string, Uint8Array[]> {
  const out: Record<string, Uint8Array[]> = {};
  for (const f of readdirSync(dir)
    .filter((x) => /\.(pcap|pcapng|cap|gz)$/.test(x))
    .sort()) {
    const t = ingestFile(`${dir}/${f}`).trace;
    const msgs: Uint8Array[] = [];
    for (let i = 0; i < t.count; i++) msgs.push(t.raw(i));
    out[`${prefix}/${f}`] = msgs;
  }
  return out;
}

const snapshot: Record<string, SourceSnapshot> = existsSync(snapshotFile)
  ? (JSON.parse(readFileSync(snapshotFile, 'utf8')) as Record<string, SourceSnapshot>)
  : {};
const writing = process.env.LINT_SNAPSHOT_WRITE === '1';
const written: Record<string, SourceSnapshot> = {};

function check(sources: Record<string, Uint8Array[]>): void {
  for (const [name, msgs] of Object.entries(sources)) {
    const now = snapshotOf(msgs);
    if (writing) written[name] = now;
    else expect(now, name).toEqual(snapshot[name]);
  }
}

describe('lintMessage = the session-11 snapshot', () => {
  it('on every RFC 4475 / RFC 5118 fixture and the §24.2 examples', () => {
    const src = fixtureMessages();
    expect(Object.keys(src).length).toBeGreaterThan(60);
    check(src);
  });

  it('on every message of the capture fixtures', () => {
    check(captureMessages(FIXTURES, 'capture'));
  });

  it.skipIf(!havePublic)('on every message of the public captures', () => {
    const src = captureMessages(PUBLIC_CAPTURES, 'public');
    expect(Object.values(src).reduce((n, m) => n + m.length, 0)).toBeGreaterThan(900);
    check(src);
  });

  it('has a snapshot for every source it checked (and flags some messages)', () => {
    if (writing) {
      writeFileSync(snapshotFile, JSON.stringify(written, null, 1) + '\n');
      return;
    }
    const flagged = Object.values(snapshot).reduce((n, s) => n + Object.keys(s.flagged).length, 0);
    expect(flagged).toBeGreaterThan(80);
  });
});
