/**
 * The file a user picks to decrypt a capture's TLS (Decrypt TLS…): a key log (NSS SSLKEYLOGFILE text)
 * or a server's RSA private key (PEM, or DER: an ASN.1 SEQUENCE), as the capture:decryptTls request
 * carries it.
 */

/** The request's secret fields for `file`. */
export async function decryptTlsFields(
  file: File,
): Promise<{ keylog: string } | { tlsKey: { data: string } }> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let head = '';
  for (const b of bytes.subarray(0, 4096)) head += String.fromCharCode(b);
  const pem = /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(head);
  // DER: SEQUENCE with a two-byte length (an RSA key of 1024 bits or more); never a key log's text.
  const der = bytes.length > 4 && bytes[0] === 0x30 && bytes[1] === 0x82;
  if (!pem && !der) return { keylog: new TextDecoder().decode(bytes) };
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    bin += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 0x8000)));
  return { tlsKey: { data: btoa(bin) } };
}
