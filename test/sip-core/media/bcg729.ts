/**
 * The G.729 reference for the tests: bcg729 (Debian's libbcg729-0, a Wireshark dependency), an ITU-T
 * G.729 Annex A encoder and decoder with Annex B (VAD/DTX, SID frames). Debian ships no -dev package
 * for it in bookworm, so its four functions are declared here in a small C program, built once per
 * test process with gcc in a temporary folder and linked against the shared library.
 *   `enc [vad]`: 16-bit mono PCM on stdin, 80 samples a frame → per frame one length octet (10 speech,
 *                2 SID, 0 not sent) then the frame.
 *   `dec`:       records on stdin — a length octet and that many octets, or 255 for an erased frame
 *                (the decoder's concealment) → 80 samples per record.
 */
import { execFileSync } from 'node:child_process';
import { requirePeer } from '../../helpers/peers';
import { buildCReference } from './c-reference';

const gcc = requirePeer('gcc');
const lib = requirePeer('libbcg729');

const SOURCE = `#include <stdint.h>
#include <stdio.h>
#include <string.h>
void *initBcg729EncoderChannel(uint8_t enableVAD);
void bcg729Encoder(void *ctx, const int16_t in[], uint8_t bits[], uint8_t *len);
void *initBcg729DecoderChannel(void);
void bcg729Decoder(void *ctx, const uint8_t bits[], uint8_t len, uint8_t erased, uint8_t sid,
                   uint8_t rfc3389, int16_t out[]);
int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "enc") == 0) {
    void *e = initBcg729EncoderChannel(argc > 2);
    int16_t pcm[80];
    uint8_t bits[10], len;
    while (fread(pcm, 2, 80, stdin) == 80) {
      bcg729Encoder(e, pcm, bits, &len);
      fputc(len, stdout);
      fwrite(bits, 1, len, stdout);
    }
    return 0;
  }
  void *d = initBcg729DecoderChannel();
  int c;
  uint8_t bits[255];
  int16_t out[80];
  while ((c = fgetc(stdin)) != EOF) {
    if (c == 255) bcg729Decoder(d, NULL, 0, 1, 0, 0, out);
    else {
      if (c > 10 || fread(bits, 1, c, stdin) != (size_t)c) return 1;
      bcg729Decoder(d, bits, c, 0, c == 2, 0, out);
    }
    fwrite(out, 2, 80, stdout);
  }
  return 0;
}
`;

let built: string | null | undefined;

/** The built program's path; null when gcc or the library is missing (the tests skip, loudly). */
export function bcg729(): string | null {
  if (built !== undefined) return built;
  return (built = buildCReference('bcg', SOURCE, gcc, lib));
}

/** One frame as the reference sees it: its octets (10 speech, 2 SID, 0 not sent) or an erasure. */
export type BcgFrame = Uint8Array | 'erased';

/** bcg729's encoding of `pcm` (8 kHz), one frame per 80 samples; `vad`: Annex B's VAD/DTX on. */
export function bcgEncode(pcm: Int16Array, vad = false): Uint8Array[] {
  const out = new Uint8Array(
    execFileSync(bcg729()!, vad ? ['enc', 'vad'] : ['enc'], {
      input: new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength),
      maxBuffer: 64 << 20,
    }),
  );
  const frames: Uint8Array[] = [];
  for (let i = 0; i < out.length; i += 1 + out[i]!) frames.push(out.slice(i + 1, i + 1 + out[i]!));
  return frames;
}

/** bcg729's decoding of frames (80 samples each; an erased frame concealed). */
export function bcgDecode(frames: readonly BcgFrame[]): Int16Array {
  const parts: number[] = [];
  for (const f of frames) {
    if (f === 'erased') parts.push(255);
    else parts.push(f.length, ...f);
  }
  const out = execFileSync(bcg729()!, ['dec'], { input: Uint8Array.from(parts), maxBuffer: 64 << 20 });
  return new Int16Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
}
