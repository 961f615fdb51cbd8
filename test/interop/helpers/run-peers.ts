/**
 * Starts and stops real peers (SIPp, Kamailio) for interop tests: random free loopback ports,
 * a private work directory, logs kept so a failing test can print them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach } from 'vitest';
import type { LabHandle } from '../../../src/main/live';
import { textLine } from '../../../src/main/cli/commands/capture';

export const REPO = resolve(import.meta.dirname, '../../..');
export const SAMPLES = join(REPO, 'tools/samples');
export const KAMAILIO_MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules/';

/** The exit code of `p` once it exits; after `ms`, SIGKILL and null (a peer that hangs). */
export function exited(p: ChildProcess, ms: number): Promise<number | null> {
  return new Promise((r) => {
    if (p.exitCode !== null) return r(p.exitCode);
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      r(null);
    }, ms);
    p.once('exit', (code) => {
      clearTimeout(t);
      r(code);
    });
  });
}

/**
 * A SIPp call with G.711 both ways on 127.0.0.1: a `uas` that echoes the RTP (-rtp_echo, media on
 * `uasMedia`) on `uasPort`, then (after 500 ms) a `uac_pcap` on `uacPort` (media on `uacMedia`) that
 * calls it and plays SIPp's sample audio — `dir` must hold `pcap/` (a link to /usr/share/sip-tester).
 * One call each, 30 s at most.
 */
export async function sippEchoCall(
  sipp: string,
  dir: string,
  ports: { uas: number; uac: number; uasMedia: number; uacMedia: number },
): Promise<{ uas: ChildProcess; uac: ChildProcess }> {
  const common = ['-i', '127.0.0.1', '-m', '1', '-nostdin', '-timeout', '30', '-timeout_error'];
  const uas = spawn(
    sipp,
    ['-sn', 'uas', '-p', String(ports.uas), '-mp', String(ports.uasMedia), '-rtp_echo', ...common],
    { cwd: dir, stdio: 'ignore' },
  );
  await new Promise((r) => setTimeout(r, 500));
  const uac = spawn(
    sipp,
    [
      '-sn',
      'uac_pcap',
      `127.0.0.1:${ports.uas}`,
      '-p',
      String(ports.uac),
      '-mp',
      String(ports.uacMedia),
      ...common,
    ],
    { cwd: dir, stdio: 'ignore' },
  );
  return { uas, uac };
}

export function workDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `sipscope-${tag}-`));
}

/** A port free for both UDP and TCP on `host` right now (random, so parallel runs rarely collide). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    const u = createSocket('udp4');
    const okU = await new Promise<boolean>((res) => {
      u.once('error', () => res(false));
      u.bind(port, host, () => res(true));
    });
    if (!okU) {
      u.close();
      continue;
    }
    const srv = createServer();
    const okT = await new Promise<boolean>((res) => {
      srv.once('error', () => res(false));
      srv.listen(port, host, () => res(true));
    });
    u.close();
    if (okT) await new Promise<void>((res) => srv.close(() => res()));
    if (okT) return port;
  }
  throw new Error('no free port found');
}

export interface Peer {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Spawns a peer in its own process group; stdout/stderr are kept (last 200 kB) for failure reports.
 * Kamailio forks workers that inherit its pipes: `stop` signals the whole group, so no worker
 * outlives the test holding a pipe open (a CI run once hung 120 s in a hook waiting for 'close').
 */
export function spawnPeer(name: string, bin: string, args: string[], cwd: string): Peer {
  const child = spawn(bin, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  const keep = (d: Buffer): void => {
    out += d.toString('utf8');
    if (out.length > 200_000) out = out.slice(-150_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  // 'close', not 'exit': 'exit' can come before the last stdout bytes (SIPp's final statistics) are read.
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  const signalGroup = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // The group is gone already (ESRCH).
    }
  };
  const within = (p: Promise<unknown>, ms: number): Promise<boolean> =>
    new Promise((res) => {
      const t = setTimeout(() => res(false), ms);
      void p.then(() => {
        clearTimeout(t);
        res(true);
      });
    });
  return {
    name,
    child,
    exited,
    output: () => out,
    async stop() {
      if (child.pid === undefined) return;
      const done = child.exitCode !== null || child.signalCode !== null;
      // Workers of a peer that already exited may still be alive: signal the group either way.
      signalGroup('SIGTERM');
      if (!done && (await within(exited, 3000))) {
        signalGroup('SIGKILL');
        return;
      }
      signalGroup('SIGKILL');
      if (!(await within(exited, 3000))) {
        // Something outside the group holds the pipes: stop reading so the test can go on.
        child.stdout?.destroy();
        child.stderr?.destroy();
      }
    },
  };
}

/** Kamailio in the foreground (-DD -E) with a config file written into `dir`. */
export function startKamailio(bin: string, cfg: string, dir: string): Peer {
  const file = join(dir, 'kamailio.cfg');
  writeFileSync(file, cfg);
  return spawnPeer(
    'kamailio',
    bin,
    ['-DD', '-E', '-f', file, '-Y', dir, '-w', dir, '-m', '64', '-M', '8'],
    dir,
  );
}

/**
 * rtpengine in userspace only (no kernel module: --table=-1), in the foreground, no config file (the
 * system's /etc/rtpengine/rtpengine.conf is not read), media on `host` from `ports[0]` to `ports[1]`
 * and its ng control protocol on `host`:`ng`; resolves once it says "Startup complete" (10 s at most;
 * else the error with its output). `stop()` ends it.
 */
export async function startRtpengine(
  bin: string,
  dir: string,
  host: string,
  ng: number,
  ports: [number, number],
): Promise<Peer> {
  const p = spawnPeer(
    'rtpengine',
    bin,
    [
      '--config-file=none',
      '--table=-1',
      '--foreground',
      '--log-stderr',
      '--log-level=6',
      `--interface=${host}`,
      `--listen-ng=${host}:${ng}`,
      `--port-min=${ports[0]}`,
      `--port-max=${ports[1]}`,
    ],
    dir,
  );
  const t0 = Date.now();
  while (!p.output().includes('Startup complete')) {
    if (p.child.exitCode !== null || Date.now() - t0 > 10_000) {
      await p.stop();
      throw new Error(`rtpengine did not start (exit ${p.child.exitCode}):\n${p.output().slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return p;
}

/** Waits until a SIP server at host:port answers an OPTIONS with Max-Forwards: 0 (any response). */
export async function waitForSip(host: string, port: number, ms = 10_000, peer?: Peer): Promise<void> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const lp = s.address().port;
  let got = false;
  s.on('message', () => (got = true));
  const t0 = Date.now();
  try {
    while (!got) {
      if (Date.now() - t0 > ms)
        throw new Error(
          `no SIP answer from ${host}:${port} in ${ms} ms${peer ? `\n${peer.name} output:\n${peer.output().slice(-4000)}` : ''}`,
        );
      if (peer && peer.child.exitCode !== null)
        throw new Error(`${peer.name} exited with ${peer.child.exitCode}:\n${peer.output().slice(-4000)}`);
      const msg =
        `OPTIONS sip:ping@${host}:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${lp};branch=z9hG4bKprobe${Date.now()}\r\n` +
        `Max-Forwards: 0\r\nFrom: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:ping@${host}>\r\nCall-ID: probe-${Date.now()}@sipscope\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
      s.send(msg, port, host);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    s.close();
  }
}

export interface SippResult {
  code: number | null;
  output: string;
  /** The messages SIPp logged (-trace_msg), for failure reports. */
  messages: string;
}

/** Runs SIPp to completion (UAC) and returns its exit code and logs. */
export async function runSipp(
  bin: string,
  args: string[],
  dir: string,
  tag: string,
  timeoutMs = 60_000,
): Promise<SippResult> {
  const msgFile = join(dir, `${tag}-messages.log`);
  const p = spawnPeer(
    `sipp ${tag}`,
    bin,
    [
      ...args,
      '-nostdin',
      '-trace_msg',
      '-message_file',
      msgFile,
      '-trace_err',
      '-error_file',
      join(dir, `${tag}-errors.log`),
    ],
    dir,
  );
  const t = setTimeout(() => void p.stop(), timeoutMs);
  const code = await p.exited;
  clearTimeout(t);
  return { code, output: p.output(), messages: existsSync(msgFile) ? readFileSync(msgFile, 'utf8') : '' };
}

/** Starts a SIPp UAS in the background. */
export function startSippUas(
  bin: string,
  args: string[],
  dir: string,
  tag: string,
): Peer & { messages(): string } {
  const msgFile = join(dir, `${tag}-messages.log`);
  const p = spawnPeer(`sipp ${tag}`, bin, [...args, '-nostdin', '-trace_msg', '-message_file', msgFile], dir);
  return Object.assign(p, { messages: () => (existsSync(msgFile) ? readFileSync(msgFile, 'utf8') : '') });
}

/** Runs `fn`; on failure prints the given reports (offending messages, peer logs) before rethrowing. */
export async function explainOnFailure<T>(
  fn: () => Promise<T> | T,
  reports: () => Record<string, string>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    for (const [name, text] of Object.entries(reports()))
      console.error(`\n----- ${name} -----\n${text.slice(-12_000)}`);
    throw err;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timeout after ${ms} ms: ${what}`);
    await sleep(20);
  }
}

/** Teardowns a test registers (labs, peers), run newest first after each test of the file. */
export function cleanupAfterEach(): (() => Promise<void>)[] {
  const list: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of list.splice(0).reverse()) await c();
  });
  return list;
}

/** A dumpcap on `lo` writing `file`, started; `stop()` ends it so the file is complete. */
export interface LoCapture {
  stop(): Promise<void>;
}

/**
 * Starts `dumpcap` on lo with capture filter `filter` into `file` and resolves once it says it is
 * capturing (bounded: 10 s); `cleanup` (cleanupAfterEach's list) stops it after the test if the test
 * did not. `stop()`: a moment for the last packets, then SIGINT, then the exit (SIGKILL after 5 s).
 */
export async function captureLo(
  dumpcap: string,
  filter: string,
  file: string,
  cleanup: (() => Promise<void>)[],
): Promise<LoCapture> {
  const p = spawn(dumpcap, ['-i', 'lo', '-f', filter, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const stop = async (): Promise<void> => {
    if (p.exitCode !== null) return;
    await sleep(300);
    p.kill('SIGINT');
    await exited(p, 5000);
  };
  cleanup.push(stop);
  const t0 = Date.now();
  while (!/Capturing on/.test(err)) {
    if (p.exitCode !== null) throw new Error(`dumpcap exited: ${err}`);
    if (Date.now() - t0 > 10_000) throw new Error(`dumpcap did not start: ${err}`);
    await sleep(50);
  }
  return { stop };
}

/** A lab's live trace as text lines, for failure reports. */
export function labTraceText(h: LabHandle): string {
  const t = h.live.trace;
  return Array.from({ length: t.count }, (_, i) => textLine(t, i)).join('\n');
}
