/**
 * `sipscope rtp FILE [--call ID] [--stream N] [--wav OUT] [--timing timestamp|arrival]
 * [--losses conceal|silence] [--srtp-key [N=]SUITE inline:KEY]...`: the RTP streams of a capture (one
 * line each, with the index `--stream` takes), and a stream's or a call's audio as a WAV — a stream
 * mono, a call stereo (left caller → callee, right callee → caller), decoded by
 * src/sip-core/media/rtp-audio.ts, lost packets concealed as a phone would (the default) or silent.
 * SRTP streams are decrypted with the key of their sender's SDP (a=crypto), DTLS-SRTP ones with the
 * keys of the DTLS handshake on their ports and the key log (`--keylog`, media/dtls-srtp.ts), or a key
 * given by hand.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { callId } from '../../../sip-core/analysis/call/call';
import { analyzerMedia, streamJson, streamLine } from '../../../sip-core/media/media-json';
import { eventsLine } from '../../../sip-core/media/dtmf';
import type { AudioLoss, AudioTiming } from '../../../sip-core/media/rtp-audio';
import type { AudioSelection } from '../../../sip-core/media/stream-audio';
import { streamAudio } from '../../service/stream-audio';
import { lossNote, srtpLine, srtpPlayedNote } from '../../../shared/media-stream';
import { openAnalyzed } from './ladder';
import { addMergeOptions, mergeOpenError, mergeOpenExitCode, type MergeCliOptions } from '../merge-options';

export interface RtpOptions extends MergeCliOptions {
  call?: string;
  stream?: string;
  wav?: string;
  timing: AudioTiming;
  /** Lost packets concealed (default) or silent. */
  losses?: AudioLoss;
  /** SRTP keys given by hand: `[N=]SUITE inline:KEY` (N: the stream; without, --stream's or the call's streams without a key). */
  srtpKey?: string[];
}

/** Runs the command; resolves to the exit code (0 written or listed, 1 unreadable, 2 nothing to play). */
export async function rtp(
  files: string | readonly string[],
  o: RtpOptions,
  out: (s: string) => void = (s) => void process.stdout.write(s),
): Promise<number> {
  const file = typeof files === 'string' ? files : files.join(' + ');
  let opened: Awaited<ReturnType<typeof openAnalyzed>>;
  try {
    opened = await openAnalyzed(files, false, o);
  } catch (e) {
    console.error(mergeOpenError('rtp', file, e));
    return mergeOpenExitCode(e);
  }
  const { a, close } = opened;
  try {
    const media = analyzerMedia(a);
    let call: string | null = null;
    if (o.call !== undefined) {
      const root = a.resolveCall(o.call);
      if (root < 0) {
        console.error(`sipscope rtp: no call ${o.call} in ${file}`);
        return 2;
      }
      call = callId(root);
    }
    let stream: number | null = null;
    if (o.stream !== undefined) {
      stream = Number(o.stream);
      if (!Number.isInteger(stream) || stream < 0) {
        console.error(`sipscope rtp: --stream takes a stream index (0, 1, ...), not ${o.stream}`);
        return 2;
      }
    }
    if (!media) {
      console.error(`sipscope rtp: ${file} holds no RTP`);
      return 2;
    }
    if (o.wav === undefined) {
      const streams = media.streams.filter(
        (s) => (call === null || s.call === call) && (stream === null || s.index === stream),
      );
      for (const s of streams) {
        const j = streamJson(s);
        out(`${s.index}\t${s.call ?? '-'}\t${streamLine(j)}\n`);
        const ev = eventsLine(j);
        if (ev) out(`\t\t${ev}\n`);
        if (j.srtp) out(`\t\t${srtpLine(j.srtp)}\n`);
      }
      if (streams.length === 0) out('no RTP stream\n');
      return 0;
    }
    if (stream === null && call === null) {
      console.error('sipscope rtp: --wav needs --call ID (stereo) or --stream N (mono)');
      return 2;
    }
    const sel: AudioSelection = stream !== null ? { stream } : { call: call! };
    const losses = o.losses ?? 'conceal';
    const keys = new Map<number, string>();
    for (const k of o.srtpKey ?? []) {
      const m = /^\s*(\d+)\s*=\s*(.*)$/s.exec(k);
      if (m) keys.set(Number(m[1]), m[2]!);
      else if (stream !== null) keys.set(stream, k);
      else
        for (const s of media.streams)
          // Only the call's SRTP streams that lack a usable key (a plain RTP one would then fail).
          if (s.call === call && s.srtp !== null && !(s.srtp.crypto && s.srtp.problem === null))
            keys.set(s.index, k);
    }
    const r = await streamAudio(a.trace, media, sel, o.timing, { kind: 'capture', path: file }, losses, keys);
    if (typeof r === 'string') {
      console.error(`sipscope rtp: ${r}`);
      return 2;
    }
    writeFileSync(o.wav, r.audio.wav);
    const au = r.audio;
    out(
      `${o.wav}: ${au.rate} Hz ${au.channels === 2 ? 'stereo (left caller → callee, right callee → caller)' : 'mono'}, ${(au.frames / au.rate).toFixed(3)} s, by ${o.timing}, ${losses === 'conceal' ? 'losses concealed' : 'losses silent'}\n`,
    );
    for (const s of au.streams)
      out(
        `  stream ${s.index}${au.channels === 2 ? (s.channel === 0 ? ' left' : ' right') : ''}: ${
          s.problem ??
          `${s.codec}, ${s.played} packets played, ${s.lost} lost${lossNote(s.lost, s.concealed, losses)}, ${s.duplicates} duplicates, ${s.reordered} out of order${s.comfortNoise ? `, ${s.comfortNoise} comfort noise` : ''}${s.malformed ? `, ${s.malformed} malformed` : ''}${srtpPlayedNote(s)}`
        }\n`,
      );
    return 0;
  } finally {
    close();
  }
}

export function registerRtp(program: Command): void {
  const cmd = program
    .command('rtp')
    .description(
      "list a capture's RTP streams, or write a stream's (mono) or a call's (stereo) audio as a WAV: G.711 µ-law/A-law, G.722 (16 kHz), GSM 06.10, G.726, G.729 and L16; SRTP decrypted with the SDP's a=crypto keys (SDES), DTLS-SRTP with the key log of one of its ends (--keylog FILE, or SSLKEYLOGFILE), or --srtp-key",
    )
    .argument('<files...>', 'capture file (several: read as one, merged by time)')
    .option(
      '--call <id>',
      'call id (C3) or any Call-ID of the call: its streams, or with --wav its audio in stereo',
    )
    .option('--stream <n>', 'stream index (the first column of the list): with --wav its audio in mono')
    .option('--wav <file>', 'write the audio to this WAV file (16-bit PCM)')
    .addOption(
      new Option(
        '--timing <how>',
        'timestamp: each packet at its RTP timestamp, as a receiver plays it (lost packets in their place, see --losses); arrival: at its capture time',
      )
        .choices(['timestamp', 'arrival'])
        .default('timestamp'),
    )
    .addOption(
      new Option(
        '--losses <how>',
        'conceal: a lost packet as a phone plays it (G.711 Appendix I pitch repetition for G.711/L16/G.722/G.726, GSM 06.11 substitution, G.729 its own); silence: the gaps heard where they are',
      )
        .choices(['conceal', 'silence'])
        .default('conceal'),
    )
    .option(
      '--srtp-key <[N=]key>',
      "an SRTP key for a stream whose SDP the capture missed, written as a=crypto writes it: 'AES_CM_128_HMAC_SHA1_80 inline:KEY' (N= names the stream; without it, --stream's, or with --call the call's SRTP streams without a key of their own); repeat for more",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    );
  addMergeOptions(cmd).action(async (files: string[], opts: RtpOptions) => {
    process.exitCode = await rtp(files, opts);
  });
}
