/**
 * Fuzz: the browser-mode server's API (the same validated requests as the Electron IPC) answers every
 * malformed, oversized or wrong-typed request with an error envelope and stays up (test/helpers/
 * mutate.ts's Rng, seeded). Requests start from a valid one per channel on a real opened capture and
 * get fields dropped, added, retyped or set to edge values (huge offsets and limits, ids past the end,
 * long strings, `__proto__` keys, unknown channels); raw frames that are not JSON, binary or oversized
 * close only their own connection. Channels that bind sockets (live:start, lab:start) are left out:
 * they would listen on the ports the fuzz picks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { fuzz, Rng } from '../helpers/mutate';
import { startBrowserServer, type BrowserServer } from '../../src/main/server/browser-server';
import { createHost } from '../../src/main/service/create-host';
import type { ServiceHost } from '../../src/main/service/host';
import { Invoke, type WsServerFrame } from '../../src/shared/api';

let server: BrowserServer;
let host: ServiceHost;

beforeAll(async () => {
  const webRoot = await mkdtemp(join(tmpdir(), 'sipscope-web-'));
  await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>t</title>');
  host = createHost({
    mode: 'browser',
    recentFile: null,
    callEditsFile: null,
    resolveUpload: (t) => server.resolveUpload(t),
  });
  server = await startBrowserServer({ host, webRoot, port: 0 });
});
afterAll(async () => {
  await host.dispose();
  await server.close();
});

function connect(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Sends one invoke and waits for its result (or fails after `ms`). */
function invoke(
  ws: WebSocket,
  id: number,
  channel: unknown,
  req: unknown,
  ms = 20_000,
): Promise<WsServerFrame> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.off('message', onMsg);
      reject(new Error(`no answer to ${String(channel)} within ${ms} ms`));
    }, ms);
    const onMsg = (data: WebSocket.RawData): void => {
      const f = JSON.parse(String(data)) as WsServerFrame;
      if (f.type === 'result' && f.id === id) {
        clearTimeout(timer);
        ws.off('message', onMsg);
        resolve(f);
      }
    };
    ws.on('message', onMsg);
    ws.send(JSON.stringify({ type: 'invoke', id, channel, req }));
  });
}

const EDGE: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 31,
  2 ** 32,
  Number.MAX_SAFE_INTEGER,
  1e308,
  '',
  'x',
  'C1',
  '../../../../etc/passwd',
  '\u0000',
  'x'.repeat(5000),
  'sip.method == "INVITE"',
  'sip.method matches "(a+)+$"',
  '((((((((((',
  [],
  ['C1'],
  Array.from({ length: 200 }, (_, i) => `C${i}`),
  {},
  JSON.parse('{"__proto__":{"polluted":true},"captureId":"x"}') as unknown,
];
/** A fresh copy of an edge value (the request objects are changed in place). */
const edge = (r: Rng): unknown => structuredClone(r.pick(EDGE));

describe('fuzz: the service API over the WebSocket', () => {
  it('700 mutated requests over every channel but the socket-binding ones: each answered with an envelope, the server up after (seed 0xA410)', async () => {
    const ws = await connect();
    let nextId = 1;
    const opened = await invoke(ws, nextId++, Invoke.captureOpenPath, {
      path: resolve(__dirname, '../../resources/samples/sample-problems.pcap'),
    });
    expect(opened).toMatchObject({ type: 'result', envelope: { ok: true } });
    const captureId = (
      opened.type === 'result' && opened.envelope.ok ? (opened.envelope.result as { id: string }).id : ''
    ) as string;
    expect(captureId).not.toBe('');
    const templates: Record<string, Record<string, unknown> | null> = {
      [Invoke.appInfo]: null,
      [Invoke.captureOpenPath]: { path: '/nonexistent.pcap' },
      [Invoke.captureOpenSample]: { id: 'sample-call' },
      [Invoke.captureOpenUpload]: { token: 'nope', name: 'x.pcap' },
      [Invoke.captureOpenMerged]: { captures: [{ path: '/nonexistent.pcap' }] },
      [Invoke.captureDecryptTls]: { captureId, keylog: 'CLIENT_RANDOM 00 11' },
      [Invoke.captureRemerge]: { captureId, shifts: [0] },
      [Invoke.captureMergeShifts]: { captureId },
      [Invoke.captureList]: null,
      [Invoke.messagesPage]: { captureId, offset: 0, limit: 50 },
      [Invoke.messageGet]: { captureId, id: 0 },
      [Invoke.callsQuery]: { captureId, offset: 0, limit: 50, sort: 'start', desc: false, filter: 'sip' },
      [Invoke.callsJoin]: { captureId, calls: ['C1', 'C2'] },
      [Invoke.callsSplit]: { captureId, a: 'C1' },
      [Invoke.callsEdits]: { captureId },
      [Invoke.callsUnedit]: { captureId, index: 0 },
      [Invoke.recentList]: null,
      [Invoke.scenarioList]: null,
      [Invoke.scenarioGet]: { name: 'basic-call' },
      [Invoke.scenarioInlineScript]: { yaml: 'name: x\n', node: 'proxy' },
      [Invoke.ladderRoles]: { captureId, calls: ['C1'] },
      [Invoke.captureStats]: { captureId, filter: 'sip' },
      [Invoke.callMedia]: { captureId, call: 'C1' },
      [Invoke.streamAudio]: { captureId, stream: 0, timing: 'timestamp', losses: 'conceal' },
      [Invoke.exportLadder]: { captureId, calls: ['C1'], format: 'svg' },
      [Invoke.exportCalls]: { captureId, filter: 'sip' },
      [Invoke.exportCapture]: { captureId, calls: ['C1'], format: 'pcap' },
      [Invoke.exportSipp]: { captureId, call: 'C1', side: 'a' },
      [Invoke.liveStop]: { id: 'L1' },
      [Invoke.liveList]: null,
      [Invoke.labList]: null,
      [Invoke.labStop]: { id: 'L1' },
      [Invoke.labStatus]: { id: 'L1' },
      [Invoke.labRunning]: null,
      [Invoke.labDtmf]: { id: 'L1', node: 'alice', digits: '123' },
    };
    const channels = Object.keys(templates);
    const codes = new Map<string, number>();
    await fuzz(
      'api',
      (seed) => {
        const r = new Rng(seed);
        const channel =
          r.next(30) === 0 ? r.pick(['shell:exec', '', '__proto__', 'constructor', 7]) : r.pick(channels);
        const t = templates[String(channel)] ?? null;
        let req: unknown = t === null ? null : { ...t };
        const ops: string[] = [String(channel)];
        for (let k = 0, n = r.next(4); k < n; k++) {
          const what = r.next(5);
          if (what === 0) {
            req = edge(r);
            ops.push('replace');
          } else if (req && typeof req === 'object' && !Array.isArray(req)) {
            const o = req as Record<string, unknown>;
            const keys = Object.keys(o);
            if (what === 1 && keys.length) {
              delete o[r.pick(keys)];
              ops.push('drop');
            } else if (what === 2) {
              o[r.pick(['extra', '__proto__', 'constructor', 'captureId', 'limit'])] = edge(r);
              ops.push('add');
            } else if (keys.length) {
              const key = r.pick(keys);
              o[key] = edge(r);
              ops.push(`set ${key}`);
            }
          }
        }
        return { name: String(channel), input: { channel, req }, ops };
      },
      async ({ channel, req }) => {
        const f = await invoke(ws, nextId++, channel, req);
        expect(f.type).toBe('result');
        if (f.type !== 'result' || f.envelope.ok) return;
        const code = f.envelope.error.code;
        codes.set(code, (codes.get(code) ?? 0) + 1);
        // 'internal' is an exception the host did not expect: a crash it survived, still a bug.
        expect(code, f.envelope.error.message).not.toBe('internal');
      },
      { seed: 0xa410, count: 700, slowMs: 20_000 },
    );
    expect(codes.get('bad-request') ?? 0).toBeGreaterThan(50);
    const info = await invoke(ws, nextId++, Invoke.appInfo, null);
    expect(info).toMatchObject({ envelope: { ok: true } });
    ws.close();
  }, 120_000);

  it('raw frames that are not invokes close only their own connection; the server answers the next', async () => {
    const frames: (string | Buffer)[] = [
      'not json',
      '{"type":"invoke","id":"1","channel":"app:info"}',
      '{"type":"invoke","id":1.5}',
      'null',
      '[]',
      '{"type":"other","id":1}',
      Buffer.from([1, 2, 3]),
      'x'.repeat(2 * 1024 * 1024),
    ];
    for (const frame of frames) {
      const ws = await connect();
      const closed = new Promise<number>((res) => ws.once('close', (code) => res(code)));
      ws.on('error', () => {});
      ws.send(frame);
      const code = await closed;
      expect(code === 1003 || code === 1007 || code === 1008 || code === 1009 || code === 1006).toBe(true);
      const again = await connect();
      expect(await invoke(again, 1, Invoke.appInfo, null)).toMatchObject({ envelope: { ok: true } });
      again.close();
    }
    // Deeply nested JSON in a proper invoke (3,000 and 400,000 levels): an error envelope, the connection kept.
    const ws = await connect();
    for (const depth of [3000, 400_000]) {
      const answer = new Promise<string>((res) => ws.once('message', (d) => res(String(d))));
      ws.send(
        `{"type":"invoke","id":1,"channel":"calls:query","req":${'['.repeat(depth)}${']'.repeat(depth)}}`,
      );
      expect(JSON.parse(await answer)).toMatchObject({
        id: 1,
        envelope: { ok: false, error: { code: 'bad-request' } },
      });
    }
    expect(await invoke(ws, 2, Invoke.appInfo, null)).toMatchObject({ envelope: { ok: true } });
    ws.close();
  }, 60_000);
});
