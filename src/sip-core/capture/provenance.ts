/**
 * Provenance (STYLE.md habit 7): every decoded message knows the frames it came from and how it was
 * reassembled, so "show raw", pcap export and ladder-to-packet highlighting are exact.
 */

export type Reassembly = 'none' | 'ip' | 'tcp' | 'ws' | 'hep';
export const REASSEMBLY: readonly Reassembly[] = ['none', 'ip', 'tcp', 'ws', 'hep'];

export type TransportName = 'UDP' | 'TCP' | 'TLS' | 'WS' | 'WSS' | 'SCTP';
export const TRANSPORTS: readonly TransportName[] = ['UDP', 'TCP', 'TLS', 'WS', 'WSS', 'SCTP'];

/** One captured frame a message came from: its number and where its record lies in the capture stream. */
export interface FrameRef {
  frameNo: number;
  /** Byte range `[recordOffset, recordOffset + recordLength)` of the pcap record / pcapng block. */
  recordOffset: number;
  recordLength: number;
  /** Capture time of the frame (µs) and its link type, for writing it out again (absent for live/simulated traces). */
  timeUs?: number;
  linkType?: number;
}
