/**
 * The concealment tests' signals and references: a steady vowel, two steady tones (350 + 440 Hz, the
 * dial tone: no period within the 5–15 ms pitch range), the speech-like signal of codec-capture.ts;
 * the SNR over the lost packets only; and spandsp's concealment (Debian's libspandsp2, which sipp
 * depends on: Steve Underwood's G.711 Appendix I-style PLC, which Asterisk- and FreeSWITCH-based PBXs
 * play), a small C program fed 20 ms frames (`plc_rx`) and asked to fill the lost ones (`plc_fillin`).
 */
import { execFileSync } from 'node:child_process';
import { requirePeer } from '../../helpers/peers';
import { buildCReference } from './c-reference';
import { signals, snrDb } from './codec-capture';

const SOURCE = `#include <stdint.h>
#include <stdio.h>
typedef struct plc_state_s plc_state_t;
plc_state_t *plc_init(plc_state_t *s);
int plc_rx(plc_state_t *s, int16_t amp[], int len);
int plc_fillin(plc_state_t *s, int16_t amp[], int len);
int plc_free(plc_state_t *s);
/* Records on stdin: 1 and 160 samples (received) or 0 (lost) -> 160 samples out per record. */
int main(void) {
  plc_state_t *s = plc_init(NULL);
  int16_t amp[160];
  int c;
  while ((c = fgetc(stdin)) != EOF) {
    if (c == 1) {
      if (fread(amp, 2, 160, stdin) != 160) return 1;
      plc_rx(s, amp, 160);
    } else plc_fillin(s, amp, 160);
    fwrite(amp, 2, 160, stdout);
  }
  plc_free(s);
  return 0;
}
`;

/** The built spandsp program; null (the comparison skips) without gcc or the library. */
export const spandsp = buildCReference('spandsp-plc', SOURCE, requirePeer('gcc'), requirePeer('libspandsp'));

/** spandsp's playing of `x` (8 kHz) in 160-sample frames, the `lost` ones filled in. */
export function spandspPlay(x: Int16Array, lost: (i: number) => boolean): Int16Array {
  const frames = Math.floor(x.length / 160);
  const input: number[] = [];
  for (let i = 0; i < frames; i++) {
    if (lost(i)) input.push(0);
    else {
      input.push(1);
      input.push(...new Uint8Array(x.buffer, x.byteOffset + i * 320, 320));
    }
  }
  const out = execFileSync(spandsp!, [], { input: Uint8Array.from(input), maxBuffer: 64 << 20 });
  return new Int16Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
}

/** The SNR (dB) of `got` against `ref` over the packets (`n` samples each) `which` picks. */
export function packetsSnr(ref: Int16Array, got: Int16Array, which: (i: number) => boolean, n = 160): number {
  const r: number[] = [];
  const g: number[] = [];
  for (let i = 0; i < Math.floor(ref.length / n); i++)
    if (which(i))
      for (let j = 0; j < n; j++) {
        r.push(ref[i * n + j]!);
        g.push(got[i * n + j]!);
      }
  return snrDb(Int16Array.from(r), Int16Array.from(g));
}

/** A steady 130 Hz vowel-like sound (15 harmonics), 2 s at `rate`. */
export const vowel = (rate: number, hz = 130): Int16Array =>
  Int16Array.from({ length: rate * 2 }, (_, i) => {
    let v = 0;
    for (let h = 1; h <= 15 && h * hz < rate / 2; h++)
      v += Math.sin((2 * Math.PI * h * hz * i) / rate + h) / h;
    return Math.round(6000 * v);
  });

/** 350 Hz + 440 Hz at −12 dBFS each, 2 s at `rate`. */
export const twoTones = (rate: number): Int16Array =>
  Int16Array.from({ length: rate * 2 }, (_, i) =>
    Math.round(8000 * (Math.sin((2 * Math.PI * 350 * i) / rate) + Math.sin((2 * Math.PI * 440 * i) / rate))),
  );

/** The three signals the concealment is measured on, at `rate`. */
export const plcSignals = (rate: number): [string, Int16Array][] => [
  ['steady vowel', vowel(rate)],
  ['two tones', twoTones(rate)],
  ['speech-like', signals(rate).speech!],
];
