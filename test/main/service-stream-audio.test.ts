/**
 * `stream:audio` through the service: a capture file's stream (mono) and call (stereo) as WAV, read
 * again from the file; a simulated run's call from its own RTP (G.711 silence, what reached each
 * phone); the request validated; what cannot be played says why.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createHost } from '../../src/main/service/create-host';
import { Invoke } from '../../src/shared/api';
import { validateRequest } from '../../src/shared/validate';
import { havePublic, PUBLIC_CAPTURES } from '../sip-core/capture/tshark-compare';
import { PACKETS, toneCapture } from '../sip-core/media/tone-capture';

const host = createHost({ mode: 'browser', recentFile: null });
const dir = mkdtempSync(join(tmpdir(), 'sipscope-stream-audio-'));
afterAll(async () => {
  await host.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const wavHeader = (b64: string): { riff: string; channels: number; rate: number; data: number } => {
  const b = Buffer.from(b64, 'base64');
  return {
    riff: b.subarray(0, 4).toString('latin1') + b.subarray(8, 12).toString('latin1'),
    channels: b.readUInt16LE(22),
    rate: b.readUInt32LE(24),
    data: b.readUInt32LE(40),
  };
};

describe('stream:audio on a capture file', () => {
  it('a stream as a mono WAV and its call in stereo, read again from the file', async () => {
    const file = join(dir, 'tone.pcap');
    writeFileSync(file, toneCapture());
    const cap = await host.invoke(Invoke.captureOpenPath, { path: file });
    const mono = await host.invoke(Invoke.streamAudio, { captureId: cap.id, stream: 0 });
    expect(mono).toMatchObject({
      fileName: 'tone-stream-0.wav',
      rate: 8000,
      channels: 1,
      durationMs: 2000,
      timing: 'timestamp',
      losses: 'conceal',
    });
    const played = {
      index: 0,
      channel: 0,
      codec: 'PCMU',
      played: 90,
      lost: 10,
      duplicates: 0,
      reordered: 1,
      problem: null,
    };
    // Losses concealed by default (G.711 Appendix I); asked silent, the same counts and none concealed.
    expect(mono.streams).toEqual([{ ...played, concealed: 10 }]);
    const silent = await host.invoke(Invoke.streamAudio, { captureId: cap.id, stream: 0, losses: 'silence' });
    expect(silent).toMatchObject({ losses: 'silence', durationMs: 2000 });
    expect(silent.streams).toEqual([played]);
    await expect(
      host.invoke(Invoke.streamAudio, {
        captureId: cap.id,
        stream: 0,
        losses: 'mute' as 'silence',
      }),
    ).rejects.toThrow('losses must be "conceal" or "silence"');
    expect(wavHeader(mono.base64)).toEqual({
      riff: 'RIFFWAVE',
      channels: 1,
      rate: 8000,
      data: PACKETS * 160 * 2,
    });
    const stereo = await host.invoke(Invoke.streamAudio, {
      captureId: cap.id,
      call: 'call-1',
      timing: 'arrival',
    });
    expect(stereo).toMatchObject({ fileName: 'tone-C1.wav', channels: 2, timing: 'arrival' });
    expect(stereo.streams.map((s) => s.channel)).toEqual([0, 1]);
    await expect(host.invoke(Invoke.streamAudio, { captureId: cap.id, call: 'C9' })).rejects.toThrow(
      'no call C9',
    );
    await expect(host.invoke(Invoke.streamAudio, { captureId: cap.id, stream: 7 })).rejects.toThrow(
      'no stream 7 in this capture',
    );
  });

  it('a gzip capture: the payloads read again through gunzip from its path', async () => {
    const file = join(dir, 'tone.pcap.gz');
    writeFileSync(file, gzipSync(toneCapture()));
    const cap = await host.invoke(Invoke.captureOpenPath, { path: file });
    const mono = await host.invoke(Invoke.streamAudio, { captureId: cap.id, stream: 0 });
    expect(mono.streams[0]).toMatchObject({ codec: 'PCMU', played: 90, lost: 10 });
    expect(wavHeader(mono.base64).data).toBe(PACKETS * 160 * 2);
  });

  it.skipIf(!havePublic)('an Opus stream: "cannot play opus", no WAV', async () => {
    const cap = await host.invoke(Invoke.captureOpenPath, {
      path: join(PUBLIC_CAPTURES, 'ws__sip-rtp-opus-hybrid.pcap'),
    });
    await expect(host.invoke(Invoke.streamAudio, { captureId: cap.id, stream: 0 })).rejects.toMatchObject({
      code: 'unplayable',
      message: expect.stringMatching(/^cannot play opus/),
    });
  });
});

describe('stream:audio on a simulated run', () => {
  it('trapezoid: the call in stereo, 5 packets of G.711 silence each way (100 ms)', async () => {
    const r = await host.invoke(Invoke.scenarioRun, { name: 'trapezoid' });
    const a = await host.invoke(Invoke.streamAudio, { captureId: r.capture!.id, call: 'C2' });
    expect(a).toMatchObject({ channels: 2, rate: 8000 });
    expect(a.durationMs).toBeGreaterThanOrEqual(100);
    expect(a.streams.map((s) => [s.channel, s.codec, s.played, s.lost])).toEqual([
      [0, 'PCMU', 5, 0],
      [1, 'PCMU', 5, 0],
    ]);
    const pcm = Buffer.from(a.base64, 'base64').subarray(44);
    for (let i = 0; i < pcm.length; i += 2) expect(Math.abs(pcm.readInt16LE(i))).toBeLessThanOrEqual(8);
  });

  it("nat-fix-nated-contact: Bob's stream to the private address never reached Alice: silent, said so", async () => {
    const r = await host.invoke(Invoke.scenarioRun, { name: 'nat-fix-nated-contact' });
    const fwd = r.media.findIndex((s) => s.direction === 'forward');
    const idx = r.media[fwd]!.index;
    await expect(host.invoke(Invoke.streamAudio, { captureId: r.capture!.id, stream: idx })).rejects.toThrow(
      /no packet of this stream/,
    );
  });
});

describe('stream:audio requests are validated', () => {
  it('exactly one of stream and call; timing timestamp or arrival', () => {
    const v = (req: unknown): string | null => {
      try {
        validateRequest(Invoke.streamAudio, req);
        return null;
      } catch (e) {
        return (e as Error).message.replace('stream:audio: ', '');
      }
    };
    expect(v({ captureId: 'cap1', stream: 0 })).toBeNull();
    expect(v({ captureId: 'cap1', call: 'C1', timing: 'arrival' })).toBeNull();
    expect(v({ captureId: 'cap1' })).toBe('give either stream or call');
    expect(v({ captureId: 'cap1', stream: 0, call: 'C1' })).toBe('give either stream or call');
    expect(v({ captureId: 'cap1', stream: -1 })).toMatch(/non-negative integer/);
    expect(v({ captureId: 'cap1', stream: 0, timing: 'jitter' })).toMatch(/timing must be/);
    expect(v({ captureId: 'cap1', stream: 0, volume: 3 })).toMatch(/unexpected field/);
  });
});
