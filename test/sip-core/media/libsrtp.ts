/**
 * The SRTP reference for the tests: libsrtp2 (Cisco's, what Asterisk, FreeSWITCH, Chrome's WebRTC,
 * Kamailio's rtpengine use; Debian's libsrtp2-dev), in a small C program built once per test process
 * with gcc (c-reference.ts).
 *   `srtpref p|u rtp|rtcp SUITE KEYHEX MKIHEX`: one packet per stdin line in hex → per line the
 *   protected / unprotected packet in hex, or `ERR <libsrtp status>`. MKIHEX `-`: no MKI. One session
 *   for all lines (so the rollover counter and SRTCP index run on as a sender's and receiver's do).
 */
import { execFileSync } from 'node:child_process';
import { requirePeer } from '../../helpers/peers';
import { buildCReference } from './c-reference';

const gcc = requirePeer('gcc');
const lib = requirePeer('libsrtp2');

const SOURCE = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <srtp2/srtp.h>
static int hex(const char *s, unsigned char *out) {
  int n = 0;
  while (s[0] && s[1] && s[0] != '\\n') { unsigned v; sscanf(s, "%2x", &v); out[n++] = v; s += 2; }
  return n;
}
static void suite(const char *n, srtp_crypto_policy_t *rtp, srtp_crypto_policy_t *rtcp) {
  if (!strcmp(n, "AES_CM_128_HMAC_SHA1_80")) { srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtp); srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtcp); }
  else if (!strcmp(n, "AES_CM_128_HMAC_SHA1_32")) { srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(rtp); srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtcp); }
  else if (!strcmp(n, "AES_192_CM_HMAC_SHA1_80")) { srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(rtp); srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(rtcp); }
  else if (!strcmp(n, "AES_192_CM_HMAC_SHA1_32")) { srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32(rtp); srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(rtcp); }
  else if (!strcmp(n, "AES_256_CM_HMAC_SHA1_80")) { srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtp); srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtcp); }
  else if (!strcmp(n, "AES_256_CM_HMAC_SHA1_32")) { srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(rtp); srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtcp); }
  else if (!strcmp(n, "AEAD_AES_128_GCM")) { srtp_crypto_policy_set_aes_gcm_128_16_auth(rtp); srtp_crypto_policy_set_aes_gcm_128_16_auth(rtcp); }
  else if (!strcmp(n, "AEAD_AES_256_GCM")) { srtp_crypto_policy_set_aes_gcm_256_16_auth(rtp); srtp_crypto_policy_set_aes_gcm_256_16_auth(rtcp); }
  else { fprintf(stderr, "suite %s\\n", n); exit(2); }
}
int main(int argc, char **argv) {
  if (argc < 6) return 2;
  int protect = argv[1][0] == 'p', rtcp = !strcmp(argv[2], "rtcp");
  static unsigned char key[64], mki[16], buf[4096];
  hex(argv[4], key);
  int mkilen = strcmp(argv[5], "-") ? hex(argv[5], mki) : 0;
  if (srtp_init()) return 3;
  srtp_policy_t p;
  memset(&p, 0, sizeof p);
  suite(argv[3], &p.rtp, &p.rtcp);
  p.ssrc.type = protect ? ssrc_any_outbound : ssrc_any_inbound;
  p.window_size = 1024;
  p.allow_repeat_tx = 1;
  srtp_master_key_t mk = { key, mki, (unsigned)mkilen };
  srtp_master_key_t *keys[1] = { &mk };
  if (mkilen) { p.keys = keys; p.num_master_keys = 1; } else p.key = key;
  srtp_t s;
  int e = srtp_create(&s, &p);
  if (e) { fprintf(stderr, "srtp_create %d\\n", e); return 4; }
  static char line[10000];
  while (fgets(line, sizeof line, stdin)) {
    int len = hex(line, buf);
    if (protect) e = rtcp ? srtp_protect_rtcp_mki(s, buf, &len, mkilen > 0, 0) : srtp_protect_mki(s, buf, &len, mkilen > 0, 0);
    else e = rtcp ? srtp_unprotect_rtcp_mki(s, buf, &len, mkilen > 0) : srtp_unprotect_mki(s, buf, &len, mkilen > 0);
    if (e) printf("ERR %d\\n", e);
    else { for (int i = 0; i < len; i++) printf("%02x", buf[i]); printf("\\n"); }
  }
  return 0;
}
`;

let built: string | null | undefined;

/** The built program's path; null when gcc or libsrtp2 is missing (the tests skip, loudly). */
export function libsrtp(): string | null {
  if (built !== undefined) return built;
  return (built = buildCReference('srtpref', SOURCE, gcc, lib));
}

/** libsrtp's protect (`p`) or unprotect (`u`) of each packet in one session: a packet or `ERR n`. */
export function libsrtpRun(
  mode: 'p' | 'u',
  kind: 'rtp' | 'rtcp',
  suite: string,
  keySalt: Uint8Array,
  mki: Uint8Array | null,
  packets: readonly Uint8Array[],
): (Uint8Array | string)[] {
  const out = execFileSync(
    libsrtp()!,
    [mode, kind, suite, Buffer.from(keySalt).toString('hex'), mki ? Buffer.from(mki).toString('hex') : '-'],
    {
      input: packets.map((p) => Buffer.from(p).toString('hex')).join('\n') + '\n',
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  return out
    .trim()
    .split('\n')
    .map((l) => (l.startsWith('ERR') ? l : new Uint8Array(Buffer.from(l, 'hex'))));
}
