/**
 * The message checks (trace/message-checks.ts): an index-only trace (the app's open: no parse) gains
 * every message's parser + lint codes, the same codes the trace JSON lists when it lints at output and
 * the same a full-parse ingest with `lint` stores; messages whose codes are stored are not checked
 * again; the pass runs in chunks and stops when told.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { lintMessage } from '../../../src/sip-core/message';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { checkMessages, checkMessagesNow } from '../../../src/sip-core/trace/message-checks';
import { toTraceJson } from '../../../src/sip-core/trace/trace-json';
import type { Trace } from '../../../src/sip-core/trace/trace';
import { SAMPLES } from '../../../src/main/paths';
import { FIXTURES, zlibInflate } from '../capture/tshark-compare';

function ingest(file: string, o: { parse: boolean; lint?: boolean }): Trace {
  return ingestBytes(new Uint8Array(readFileSync(file)), file.split('/').pop()!, {
    inflate: zlibInflate,
    gunzip: (b) => new Uint8Array(gunzipSync(b)),
    ...o,
  }).trace;
}

const captures = [
  ...SAMPLES.map((s) => s.path),
  ...(existsSync(FIXTURES)
    ? readdirSync(FIXTURES)
        .filter((f) => /\.(pcap|pcapng|gz|cap)$/.test(f))
        .map((f) => `${FIXTURES}/${f}`)
    : []),
];

describe('message checks', () => {
  it('store each message’s parser + lint codes: as linted at output, as a linting ingest stores them', () => {
    let flagged = 0;
    for (const f of captures) {
      const t = ingest(f, { parse: false });
      const before = JSON.stringify(toTraceJson(t));
      for (let id = 0; id < t.count; id++) expect(t.storedMessageCodes(id), `${f} #${id}`).toBeNull();
      expect(checkMessagesNow(t, 0, t.count + 5)).toBe(t.count);
      const linted = ingest(f, { parse: true, lint: true });
      for (let id = 0; id < t.count; id++) {
        const want = [...new Set(lintMessage(t.message(id)).map((d) => d.code))];
        expect(t.storedMessageCodes(id), `${f} #${id}`).toEqual(want);
        expect(t.storedMessageCodes(id), `${f} #${id}`).toEqual(linted.storedMessageCodes(id));
        if (want.length) flagged++;
      }
      // The JSON reads the stored codes instead of linting: the same output.
      expect(JSON.stringify(toTraceJson(t)), f).toBe(before);
    }
    expect(captures.length).toBeGreaterThan(5);
    expect(flagged).toBeGreaterThan(0);
  });

  it('flags the problems sample’s MESSAGE (Content-Length larger than its body) and nothing else there', () => {
    const t = ingest(SAMPLES.find((s) => s.id === 'problems')!.path, { parse: false });
    checkMessagesNow(t, 0, t.count);
    const flagged: string[] = [];
    for (let id = 0; id < t.count; id++)
      for (const c of t.storedMessageCodes(id)!) flagged.push(`${t.methodOrCseqMethod(id)} ${c}`);
    expect(flagged).toEqual(['MESSAGE content-length-exceeds-body']);
  });

  it('runs in chunks, yielding between them, skips stored codes, and stops when told', async () => {
    const path = SAMPLES[0]!.path;
    const t = ingest(path, { parse: false });
    const seen: number[] = [];
    let yields = 0;
    const n = await checkMessages(t, 0, {
      chunk: 10,
      yield: () => {
        yields++;
        return Promise.resolve();
      },
      onProgress: (done) => seen.push(done),
    });
    expect(n).toBe(t.count);
    expect(seen[0]).toBe(10);
    expect(seen.at(-1)).toBe(t.count);
    expect(yields).toBe(Math.ceil(t.count / 10) - 1);

    // A trace whose codes were stored at ingest keeps them (the pass does not lint again).
    const linted = ingest(path, { parse: true, lint: true });
    linted.setMessageCodes(0, ['made-up-code']);
    checkMessagesNow(linted, 0, linted.count);
    expect(linted.storedMessageCodes(0)).toEqual(['made-up-code']);

    const fresh = ingest(path, { parse: false });
    const stop = { aborted: false };
    const p = checkMessages(fresh, 0, {
      chunk: 5,
      signal: stop,
      yield: () => {
        stop.aborted = true;
        return Promise.resolve();
      },
    });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(fresh.storedMessageCodes(4)).not.toBeNull();
    expect(fresh.storedMessageCodes(5)).toBeNull();
  });
});
